"""The signed record envelope and its wire form.

``Record`` mirrors the ``ipndht.v1.SignedRecord`` message. ``encode`` is the
protobuf serialisation used on the wire and in storage; ``decode`` accepts
only the canonical protobuf encoding (what ``encode`` produces: fields in
number order, default values left out, no unknown fields), so that one record
has exactly one byte form and nothing unsigned can ride along with it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

from ipndht.v1 import common_pb2
from services.core.errors import InvalidRecord

__all__ = [
    "Countersignature",
    "Record",
    "decode",
    "dht_key",
    "dht_key_material",
    "u64_from_sqlite",
    "u64_to_sqlite",
]

_U64_SPAN = 1 << 64
_I64_LIMIT = 1 << 63


@dataclass(frozen=True, slots=True)
class Countersignature:
    """An endorsement of a record by another key (e.g. a registrar)."""

    #: Ed25519 public key of the countersigner, 32 bytes.
    signer: bytes
    #: Signature over the countersigning bytes, 64 bytes.
    signature: bytes


@dataclass(frozen=True, slots=True)
class Record:
    """One signed record, as held in memory."""

    namespace: str
    key: bytes
    value: bytes
    signer: bytes
    seq: int
    issued_at_us: int
    expires_at_us: int
    signature: bytes
    countersignatures: tuple[Countersignature, ...] = field(default=())

    def to_proto(self) -> common_pb2.SignedRecord:
        """The ``SignedRecord`` message with the same fields."""
        return common_pb2.SignedRecord(
            namespace=self.namespace,
            key=self.key,
            value=self.value,
            signer=self.signer,
            seq=self.seq,
            issued_at_us=self.issued_at_us,
            expires_at_us=self.expires_at_us,
            signature=self.signature,
            countersignatures=[
                common_pb2.Countersignature(signer=cs.signer, signature=cs.signature)
                for cs in self.countersignatures
            ],
        )

    @classmethod
    def from_proto(cls, message: common_pb2.SignedRecord) -> Record:
        """The record carried by a ``SignedRecord`` message (not validated)."""
        return cls(
            namespace=message.namespace,
            key=message.key,
            value=message.value,
            signer=message.signer,
            seq=message.seq,
            issued_at_us=message.issued_at_us,
            expires_at_us=message.expires_at_us,
            signature=message.signature,
            countersignatures=tuple(
                Countersignature(signer=cs.signer, signature=cs.signature)
                for cs in message.countersignatures
            ),
        )

    def encode(self) -> bytes:
        """The protobuf encoding (wire and storage form).

        Raises ``InvalidRecord`` when a field cannot be encoded (a negative
        or over-large integer, a namespace that is not valid Unicode).
        """
        try:
            return self.to_proto().SerializeToString(deterministic=True)
        except Exception as exc:  # protobuf raises ValueError, TypeError, ...
            raise InvalidRecord(f"malformed: the record cannot be encoded ({exc})") from exc

    def dht_key(self) -> bytes:
        """The 20-byte Kademlia key this record is stored under."""
        return dht_key(self.namespace, self.key)

    def with_countersignature(self, countersignature: Countersignature) -> Record:
        """A copy with ``countersignature`` added, replacing an earlier one
        by the same countersigner."""
        kept = tuple(cs for cs in self.countersignatures if cs.signer != countersignature.signer)
        return replace(self, countersignatures=(*kept, countersignature))


def decode(raw: bytes | bytearray | memoryview) -> Record:
    """The record encoded in ``raw``.

    Raises ``InvalidRecord`` (and nothing else) for anything that is not the
    canonical protobuf encoding of a ``SignedRecord``.
    """
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise InvalidRecord(f"malformed: a record is bytes, not {type(raw).__name__}")
    data = bytes(raw)
    message = common_pb2.SignedRecord()
    try:
        message.ParseFromString(data)
        message.DiscardUnknownFields()
        canonical = message.SerializeToString(deterministic=True)
    except Exception as exc:  # DecodeError, and whatever a parser may raise on garbage
        raise InvalidRecord("malformed: the bytes are not a protobuf SignedRecord") from exc
    if canonical != data:
        raise InvalidRecord(
            "malformed: the bytes are not the canonical SignedRecord encoding "
            "(unknown, repeated or default-valued fields, or fields out of order)"
        )
    return Record.from_proto(message)


def dht_key_material(namespace: str, key: bytes) -> bytes:
    """The bytes hashed into the DHT key: namespace UTF-8, "/", key."""
    return namespace.encode("utf-8") + b"/" + key


def dht_key(namespace: str, key: bytes) -> bytes:
    """The 20-byte Kademlia key of (namespace, key): SHA-1 of the material,
    which is what ``kademlia.utils.digest`` computes for a bytes argument."""
    return hashlib.sha1(dht_key_material(namespace, key)).digest()


def u64_to_sqlite(value: int) -> int:
    """A uint64 (``seq``) as a SQLite INTEGER, which is signed 64-bit: values
    of 2**63 and above are kept as their two's-complement (negative) form;
    ``u64_from_sqlite`` gives the value back."""
    return value - _U64_SPAN if value >= _I64_LIMIT else value


def u64_from_sqlite(value: int) -> int:
    """The uint64 that ``u64_to_sqlite`` stored as ``value``."""
    return value + _U64_SPAN if value < 0 else value
