"""Owner-signed handle records for the handle registry's write RPCs.

Each helper returns the ``SignedRecord`` to put in a Register, Update,
Transfer, Renew or Release request: namespace "handle", key the normalised
handle, value a ``HandleRecord``, signed by the owner key over the canonical
bytes of docs/records.md. The registry adds its countersignature.

Writes after the first take the handle's current record (from Resolve) and
sign ``seq + 1``, as the registry requires.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from ipndht.v1 import common_pb2, handles_pb2
from services.core.records import keys, signing
from services.core.records.keys import Ed25519PrivateKey
from services.handles.names import normalize_handle

NAMESPACE = "handle"
#: Default registration period: one year, the registry's default.
DEFAULT_PERIOD_S = 365 * 24 * 3600


def now_us() -> int:
    return time.time_ns() // 1_000


def handle_value(
    handle: str,
    owner_key: bytes,
    operation: handles_pb2.HandleOperation,
    *,
    target_key: bytes | None = None,
    addresses: Iterable[str] = (),
    metadata: Mapping[str, str] | None = None,
    alias: str = "",
) -> bytes:
    """The serialised HandleRecord (deterministic encoding)."""
    payload = handles_pb2.HandleRecord(
        handle=handle,
        owner_key=owner_key,
        target_key=owner_key if target_key is None else target_key,
        addresses=list(addresses),
        metadata=dict(metadata or {}),
        operation=operation,
        alias=alias,
    )
    return payload.SerializeToString(deterministic=True)


def _sign(
    private_key: Ed25519PrivateKey,
    handle: str,
    value: bytes,
    seq: int,
    issued_at_us: int,
    expires_at_us: int,
) -> common_pb2.SignedRecord:
    record = signing.sign_record(
        private_key, NAMESPACE, handle.encode("ascii"), value, seq, issued_at_us, expires_at_us
    )
    return record.to_proto()


def _payload(current: common_pb2.SignedRecord) -> handles_pb2.HandleRecord:
    payload = handles_pb2.HandleRecord()
    payload.ParseFromString(current.value)
    return payload


def register(
    private_key: Ed25519PrivateKey,
    handle: str,
    *,
    seq: int = 1,
    target_key: bytes | None = None,
    addresses: Iterable[str] = (),
    metadata: Mapping[str, str] | None = None,
    alias: str = "",
    issued_at_us: int | None = None,
    expires_at_us: int | None = None,
    period_s: int = DEFAULT_PERIOD_S,
) -> common_pb2.SignedRecord:
    """A REGISTER record for ``handle`` (normalised here). ``seq`` is 1 for a
    new handle, the last seq + 1 for one released or expired."""
    name = normalize_handle(handle)
    issued = now_us() if issued_at_us is None else issued_at_us
    expires = issued + period_s * 1_000_000 if expires_at_us is None else expires_at_us
    value = handle_value(
        name,
        keys.public_key_bytes(private_key),
        handles_pb2.HANDLE_OPERATION_REGISTER,
        target_key=target_key,
        addresses=addresses,
        metadata=metadata,
        alias=alias,
    )
    return _sign(private_key, name, value, seq, issued, expires)


def update(
    private_key: Ed25519PrivateKey,
    current: common_pb2.SignedRecord,
    *,
    target_key: bytes | None = None,
    addresses: Iterable[str] | None = None,
    metadata: Mapping[str, str] | None = None,
    alias: str | None = None,
    issued_at_us: int | None = None,
) -> common_pb2.SignedRecord:
    """An UPDATE after ``current``: fields not given keep their value; the
    expiry stays the current one."""
    old = _payload(current)
    value = handle_value(
        old.handle,
        old.owner_key,
        handles_pb2.HANDLE_OPERATION_UPDATE,
        target_key=old.target_key if target_key is None else target_key,
        addresses=old.addresses if addresses is None else addresses,
        metadata=dict(old.metadata) if metadata is None else metadata,
        alias=old.alias if alias is None else alias,
    )
    issued = now_us() if issued_at_us is None else issued_at_us
    return _sign(private_key, old.handle, value, current.seq + 1, issued, current.expires_at_us)


def transfer(
    private_key: Ed25519PrivateKey,
    current: common_pb2.SignedRecord,
    new_owner_key: bytes,
    *,
    target_key: bytes | None = None,
    issued_at_us: int | None = None,
) -> common_pb2.SignedRecord:
    """A TRANSFER after ``current`` to ``new_owner_key``, signed by the
    current owner; the handle then resolves to ``target_key`` (default: the
    new owner). Addresses, metadata and alias are cleared."""
    old = _payload(current)
    value = handle_value(
        old.handle,
        new_owner_key,
        handles_pb2.HANDLE_OPERATION_TRANSFER,
        target_key=new_owner_key if target_key is None else target_key,
    )
    issued = now_us() if issued_at_us is None else issued_at_us
    return _sign(private_key, old.handle, value, current.seq + 1, issued, current.expires_at_us)


def renew(
    private_key: Ed25519PrivateKey,
    current: common_pb2.SignedRecord,
    *,
    period_s: int = DEFAULT_PERIOD_S,
    issued_at_us: int | None = None,
    expires_at_us: int | None = None,
) -> common_pb2.SignedRecord:
    """A RENEW after ``current``, valid ``period_s`` from now (or until
    ``expires_at_us``), keeping every other field."""
    old = _payload(current)
    old.operation = handles_pb2.HANDLE_OPERATION_RENEW
    issued = now_us() if issued_at_us is None else issued_at_us
    expires = issued + period_s * 1_000_000 if expires_at_us is None else expires_at_us
    value = old.SerializeToString(deterministic=True)
    return _sign(private_key, old.handle, value, current.seq + 1, issued, expires)


def release(
    private_key: Ed25519PrivateKey,
    current: common_pb2.SignedRecord,
    *,
    issued_at_us: int | None = None,
) -> common_pb2.SignedRecord:
    """A RELEASE after ``current``: the handle is free at once."""
    old = _payload(current)
    old.operation = handles_pb2.HANDLE_OPERATION_RELEASE
    issued = now_us() if issued_at_us is None else issued_at_us
    value = old.SerializeToString(deterministic=True)
    return _sign(private_key, old.handle, value, current.seq + 1, issued, current.expires_at_us)
