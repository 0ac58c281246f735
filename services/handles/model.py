"""A handle record as the registry sees it: the signed envelope and its
decoded ``HandleRecord`` payload, with the state it puts the handle in."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ipndht.v1 import handles_pb2
from services.core.errors import InvalidRecord
from services.core.records import model
from services.core.records.model import Record

OP_NAMES: dict[int, str] = {
    handles_pb2.HANDLE_OPERATION_REGISTER: "register",
    handles_pb2.HANDLE_OPERATION_UPDATE: "update",
    handles_pb2.HANDLE_OPERATION_TRANSFER: "transfer",
    handles_pb2.HANDLE_OPERATION_RENEW: "renew",
    handles_pb2.HANDLE_OPERATION_RELEASE: "release",
}


class State(enum.Enum):
    """What a handle's latest record makes of it at a given time."""

    #: Held and unexpired: resolves, only the owner changes it.
    ACTIVE = "active"
    #: Expired, within the grace period: only the owner may renew it.
    GRACE = "grace"
    #: Released, or expired past the grace period: anyone may register it.
    FREE = "free"


@dataclass(frozen=True, slots=True)
class HandleEntry:
    """One accepted (countersigned) handle record."""

    record: Record
    payload: handles_pb2.HandleRecord

    @property
    def handle(self) -> str:
        return self.payload.handle

    @property
    def seq(self) -> int:
        return self.record.seq

    @property
    def owner(self) -> bytes:
        """The owner after this record (the new owner for a transfer)."""
        return self.payload.owner_key

    @property
    def operation(self) -> int:
        return self.payload.operation

    def state(self, now_us: int, grace_us: int) -> State:
        if self.payload.operation == handles_pb2.HANDLE_OPERATION_RELEASE:
            return State.FREE
        if now_us < self.record.expires_at_us:
            return State.ACTIVE
        if now_us < self.record.expires_at_us + grace_us:
            return State.GRACE
        return State.FREE

    def rank(self) -> tuple[int, int, bytes]:
        """Sort key of the DHT's selection order (policy.better): higher seq,
        then earlier issued_at, then smaller signature. Smaller is better."""
        return (-self.record.seq, self.record.issued_at_us, self.record.signature)

    def better_than(self, other: HandleEntry | None) -> bool:
        return other is None or self.rank() < other.rank()


def parse_payload(value: bytes) -> handles_pb2.HandleRecord:
    """The HandleRecord in a record value; InvalidRecord when it is not one."""
    payload = handles_pb2.HandleRecord()
    try:
        payload.ParseFromString(value)
    except Exception as exc:  # DecodeError and whatever protobuf raises on garbage
        raise InvalidRecord("the record value is not a HandleRecord") from exc
    return payload


def entry_of(record: Record) -> HandleEntry:
    """The entry of a record already validated by the policy."""
    return HandleEntry(record, parse_payload(record.value))


def entry_of_raw(raw: bytes) -> HandleEntry:
    return entry_of(model.decode(raw))


def best(*entries: HandleEntry | None) -> HandleEntry | None:
    """The best of ``entries`` in the DHT's selection order, or None."""
    chosen: HandleEntry | None = None
    for entry in entries:
        if entry is not None and entry.better_than(chosen):
            chosen = entry
    return chosen
