"""The registry's rules for one write, as pure functions (no I/O).

``check_shape`` reads an owner-signed request record; ``check_transition``
decides whether it may follow the handle's current record. Each refusal
raises the named error of services.core.errors with a message saying which
rule was broken; nothing is changed by a refused write.
"""

from __future__ import annotations

import datetime

from ipndht.v1 import handles_pb2
from services.core.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    InvalidRecord,
    NotFound,
    PermissionDenied,
    SeqConflict,
)
from services.core.records.model import Record
from services.handles import constants as c
from services.handles.model import OP_NAMES, HandleEntry, State, parse_payload
from services.handles.names import normalize_handle


def _when(us: int) -> str:
    stamp = datetime.datetime.fromtimestamp(us / 1_000_000, tz=datetime.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def check_shape(record: Record, operation: int) -> HandleEntry:
    """The entry of an owner-signed request record, or InvalidArgument."""
    name = OP_NAMES[operation]
    if record.namespace != c.NAMESPACE:
        raise InvalidRecord(
            f"a {name} carries a record of namespace {c.NAMESPACE!r}, not {record.namespace!r}"
        )
    try:
        key = record.key.decode("ascii")
    except UnicodeDecodeError:
        raise InvalidRecord("the record key must be the handle as ASCII text") from None
    normal = normalize_handle(key)
    if normal != key:
        raise InvalidRecord(
            f"the record key must be the normalised handle {normal!r}, not {key!r} "
            "(the signature covers the key)"
        )
    payload = parse_payload(record.value)
    if payload.handle != key:
        raise InvalidRecord(
            f"the HandleRecord names {payload.handle!r} but the record key is {key!r}"
        )
    if payload.operation != operation:
        given = OP_NAMES.get(payload.operation, "unset")
        raise InvalidRecord(f"the HandleRecord operation is {given!r}; this call takes {name!r}")
    if record.countersignatures:
        raise InvalidRecord(
            "the request record carries countersignatures; the registry adds its own, send none"
        )
    if record.seq < 1:
        raise InvalidRecord("seq starts at 1")
    return HandleEntry(record, payload)


def check_transition(
    new: HandleEntry, current: HandleEntry | None, now_us: int, period_us: int, grace_us: int
) -> None:
    """Raise the error of the first rule ``new`` breaks after ``current``."""
    lifetime = new.record.expires_at_us - new.record.issued_at_us
    if lifetime > period_us + c.PERIOD_SLACK_US:
        raise InvalidRecord(
            f"the record is valid for {lifetime // 1_000_000} s, longer than the "
            f"registration period of {period_us // 1_000_000} s"
        )
    state = State.FREE if current is None else current.state(now_us, grace_us)
    if new.operation == handles_pb2.HANDLE_OPERATION_REGISTER:
        _check_register(new, current, state)
        return
    _check_owner_write(new, current, state)


def _check_register(new: HandleEntry, current: HandleEntry | None, state: State) -> None:
    if current is not None and state is State.ACTIVE:
        raise AlreadyExists(f"{new.handle} is registered (seq {current.seq})")
    if current is not None and state is State.GRACE:
        raise AlreadyExists(
            f"{new.handle} expired at {_when(current.record.expires_at_us)} and is in its "
            "grace period: only its owner may renew it"
        )
    expected = 1 if current is None else current.seq + 1
    if new.seq != expected:
        held = 0 if current is None else current.seq
        raise SeqConflict(
            f"seq {new.seq} is not the next seq of {new.handle}: current seq is {held}, "
            f"send {expected}",
            current_seq=held,
        )


def _check_owner_write(new: HandleEntry, current: HandleEntry | None, state: State) -> None:
    name = OP_NAMES[new.operation]
    if current is None or state is State.FREE:
        why = "is not registered"
        if current is not None:
            released = current.operation == handles_pb2.HANDLE_OPERATION_RELEASE
            why = "was released" if released else "expired past its grace period"
        raise NotFound(f"{new.handle} {why}; nothing to {name}")
    if new.record.signer != current.owner:
        raise PermissionDenied(
            f"the {name} of {new.handle} is signed by {new.record.signer.hex()}, "
            f"not by its owner {current.owner.hex()}"
        )
    if new.seq != current.seq + 1:
        raise SeqConflict(
            f"seq {new.seq} is not the next seq of {new.handle}: current seq is "
            f"{current.seq}, send {current.seq + 1}",
            current_seq=current.seq,
        )
    if state is State.GRACE and new.operation != handles_pb2.HANDLE_OPERATION_RENEW:
        raise FailedPrecondition(
            f"{new.handle} expired at {_when(current.record.expires_at_us)}; "
            "only a renewal is accepted in the grace period"
        )
    if new.operation == handles_pb2.HANDLE_OPERATION_TRANSFER:
        if new.owner == current.owner:
            raise InvalidArgument(
                f"the transfer names the current owner {current.owner.hex()} as new owner"
            )
    elif new.owner != current.owner:
        raise InvalidArgument(
            f"a {name} keeps the owner {current.owner.hex()}; use Transfer to change it"
        )
    if new.operation == handles_pb2.HANDLE_OPERATION_RENEW:
        if new.record.expires_at_us <= current.record.expires_at_us:
            raise InvalidArgument(
                f"a renewal must expire after the current expiry "
                f"{_when(current.record.expires_at_us)}"
            )
    elif new.record.expires_at_us > current.record.expires_at_us:
        raise InvalidArgument(
            f"a {name} may not extend the expiry past "
            f"{_when(current.record.expires_at_us)}; use Renew"
        )
