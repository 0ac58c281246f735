"""Checks shared by every write: the record's namespace, its validity and
its time, before anything is stored."""

from __future__ import annotations

from ipndht.v1 import common_pb2
from services.content.constants import MAX_ANNOUNCE_SKEW_US
from services.core.errors import InvalidArgument
from services.core.records.model import Record
from services.core.records.policy import RecordInfo
from services.core.records.rules import SignedRecordPolicy
from services.core.records.validation import format_time


def accept(
    message: common_pb2.SignedRecord,
    namespace: str,
    policy: SignedRecordPolicy,
    now_us: int,
    *,
    fresh: bool = True,
) -> tuple[Record, RecordInfo]:
    """The record of ``message`` if it is a valid ``namespace`` record.

    Raises InvalidArgument (InvalidRecord) naming the rule broken. With
    ``fresh``, the record must also be issued within the allowed skew of
    ``now_us``, because its issue time becomes its place in the timeline.
    """
    if message.namespace != namespace:
        raise InvalidArgument(
            f"the record's namespace is {message.namespace!r}; this call takes {namespace!r}"
        )
    record = Record.from_proto(message)
    info = policy.validate_record(record, now_us)
    if fresh and abs(record.issued_at_us - now_us) > MAX_ANNOUNCE_SKEW_US:
        raise InvalidArgument(
            f"the record was issued at {format_time(record.issued_at_us)}, more than "
            f"{MAX_ANNOUNCE_SKEW_US // 1_000_000} s from the service clock "
            f"({format_time(now_us)}); sign announcements with the current time"
        )
    return record, info
