"""Signing and countersigning records, and checking those signatures."""

from __future__ import annotations

from services.core.records import canonical, keys
from services.core.records.model import Countersignature, Record

__all__ = [
    "countersign",
    "countersigning_bytes",
    "record_signing_bytes",
    "sign_record",
    "verify_countersignature",
    "verify_signature",
]


def record_signing_bytes(record: Record) -> bytes:
    """The canonical bytes the record's signer signs (docs/records.md)."""
    return canonical.signing_bytes(
        record.namespace,
        record.key,
        record.value,
        record.signer,
        record.seq,
        record.issued_at_us,
        record.expires_at_us,
    )


def countersigning_bytes(record: Record) -> bytes:
    """The canonical bytes a countersigner of ``record`` signs."""
    return canonical.countersigning_bytes(record_signing_bytes(record), record.signature)


def sign_record(
    private_key: keys.Ed25519PrivateKey,
    namespace: str,
    key: bytes,
    value: bytes,
    seq: int,
    issued_at_us: int,
    expires_at_us: int,
) -> Record:
    """A new record signed by ``private_key`` (its signer is that key's
    public key), without countersignatures. Nothing else is validated."""
    unsigned = Record(
        namespace=namespace,
        key=key,
        value=value,
        signer=keys.public_key_bytes(private_key),
        seq=seq,
        issued_at_us=issued_at_us,
        expires_at_us=expires_at_us,
        signature=b"",
    )
    signature = keys.sign(private_key, record_signing_bytes(unsigned))
    return Record(
        namespace=namespace,
        key=key,
        value=value,
        signer=unsigned.signer,
        seq=seq,
        issued_at_us=issued_at_us,
        expires_at_us=expires_at_us,
        signature=signature,
    )


def countersign(record: Record, private_key: keys.Ed25519PrivateKey) -> Record:
    """``record`` with a countersignature by ``private_key`` added (replacing
    an earlier countersignature by the same key)."""
    countersignature = Countersignature(
        signer=keys.public_key_bytes(private_key),
        signature=keys.sign(private_key, countersigning_bytes(record)),
    )
    return record.with_countersignature(countersignature)


def verify_signature(record: Record) -> bool:
    """True when the record's signature is valid for its signer and fields."""
    try:
        message = record_signing_bytes(record)
    except Exception:  # a field that cannot be encoded cannot be signed
        return False
    return keys.verify(record.signer, record.signature, message)


def verify_countersignature(record: Record, countersignature: Countersignature) -> bool:
    """True when ``countersignature`` endorses exactly this signed record."""
    try:
        message = countersigning_bytes(record)
    except Exception:
        return False
    return keys.verify(countersignature.signer, countersignature.signature, message)
