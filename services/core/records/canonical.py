"""The canonical signing bytes of a record (docs/records.md, "Signing bytes").

Signatures cover these bytes, never a protobuf encoding: any language can
rebuild them from the record fields with a few lines of code.

Layout of the signing bytes (all integers big-endian)::

    "ipndht-record-v1" 0x00
    u32 len(namespace) | namespace (UTF-8)
    u32 len(key)       | key
    u32 len(value)     | value
    u32 len(signer)    | signer
    u64 seq
    u64 issued_at_us
    u64 expires_at_us

Countersigning bytes::

    "ipndht-countersign-v1" 0x00
    signing bytes of the record (as above)
    u32 len(signature) | signature (the record's own)
"""

from __future__ import annotations

import struct

from services.core.errors import InvalidRecord
from services.core.records.limits import (
    COUNTERSIGNING_PREFIX,
    MAX_U32,
    MAX_U64,
    SIGNING_PREFIX,
)

_U32 = struct.Struct(">I")
_U64X3 = struct.Struct(">QQQ")


def _field(name: str, data: bytes) -> bytes:
    if len(data) > MAX_U32:
        raise InvalidRecord(f"malformed: {name} is {len(data)} bytes, over the u32 length limit")
    return _U32.pack(len(data)) + data


def _u64(name: str, number: int) -> int:
    if not 0 <= number <= MAX_U64:
        raise InvalidRecord(f"malformed: {name} {number} is outside the u64 range 0..2**64-1")
    return number


def signing_bytes(
    namespace: str,
    key: bytes,
    value: bytes,
    signer: bytes,
    seq: int,
    issued_at_us: int,
    expires_at_us: int,
) -> bytes:
    """The bytes a record's signer signs.

    Raises ``InvalidRecord`` when a field cannot be represented (a namespace
    that is not valid Unicode, an integer outside the u64 range).
    """
    try:
        ns = namespace.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidRecord("malformed: the namespace is not valid UTF-8 text") from exc
    return b"".join(
        (
            SIGNING_PREFIX,
            _field("namespace", ns),
            _field("key", key),
            _field("value", value),
            _field("signer", signer),
            _U64X3.pack(
                _u64("seq", seq),
                _u64("issued_at_us", issued_at_us),
                _u64("expires_at_us", expires_at_us),
            ),
        )
    )


def countersigning_bytes(record_signing_bytes: bytes, signature: bytes) -> bytes:
    """The bytes a countersigner signs: it endorses the record's fields and
    the record's own signature, so it is bound to one exact signed record."""
    return b"".join((COUNTERSIGNING_PREFIX, record_signing_bytes, _field("signature", signature)))
