"""The registry's pure rules (rules.py) and its in-process cache (hotcache.py)."""

from __future__ import annotations

import dataclasses

import pytest

from ipndht.v1 import handles_pb2
from ipndht_client import handles as sdk
from services.core import errors
from services.core.records import keys
from services.core.records.model import Record
from services.handles.hotcache import HotCache
from services.handles.model import HandleEntry, State, entry_of
from services.handles.rules import check_shape, check_transition

S = 1_000_000
DAY = 86_400 * S
PERIOD, GRACE = 365 * DAY, 30 * DAY
ALICE, BOB = keys.generate_private_key(), keys.generate_private_key()


def entry(record: object) -> HandleEntry:
    return entry_of(Record.from_proto(record))  # type: ignore[arg-type]


def registered(now: int) -> HandleEntry:
    return entry(sdk.register(ALICE, "@rule.ipn", issued_at_us=now, expires_at_us=now + DAY))


def test_shape_refuses_unnormalised_key_and_foreign_countersignatures() -> None:
    """The key must be the normalised handle; requests carry no countersignature."""
    good = Record.from_proto(sdk.register(ALICE, "@shape.ipn"))
    assert check_shape(good, handles_pb2.HANDLE_OPERATION_REGISTER).handle == "@shape.ipn"
    upper = dataclasses.replace(good, key=b"@Shape.ipn")
    with pytest.raises(errors.InvalidArgument, match="normalised handle"):
        check_shape(upper, handles_pb2.HANDLE_OPERATION_REGISTER)
    with pytest.raises(errors.InvalidArgument, match="operation"):
        check_shape(good, handles_pb2.HANDLE_OPERATION_UPDATE)


def test_register_of_held_or_grace_handle_is_already_exists() -> None:
    """Held: ALREADY_EXISTS; in grace: ALREADY_EXISTS naming the grace
    period; past grace: free again with the next seq."""
    now = 1_000 * DAY
    current = registered(now)
    claim = entry(sdk.register(BOB, "@rule.ipn", seq=2, issued_at_us=now, expires_at_us=now + DAY))
    with pytest.raises(errors.AlreadyExists, match="registered"):
        check_transition(claim, current, now + S, PERIOD, GRACE)
    with pytest.raises(errors.AlreadyExists, match="grace"):
        check_transition(claim, current, now + 2 * DAY, PERIOD, GRACE)
    check_transition(claim, current, now + DAY + GRACE + S, PERIOD, GRACE)
    with pytest.raises(errors.SeqConflict) as info:
        check_transition(
            entry(sdk.register(BOB, "@rule.ipn", seq=1, issued_at_us=now, expires_at_us=now + DAY)),
            current,
            now + DAY + GRACE + S,
            PERIOD,
            GRACE,
        )
    assert info.value.current_seq == 1


def test_owner_writes_check_owner_then_seq_then_grace() -> None:
    """A stranger gets PERMISSION_DENIED, a stale seq ABORTED with the
    current seq, an update in grace FAILED_PRECONDITION, a renew passes."""
    now = 1_000 * DAY
    current = registered(now)
    stranger = entry(sdk.update(BOB, current.record.to_proto(), issued_at_us=now))
    with pytest.raises(errors.PermissionDenied):
        check_transition(stranger, current, now + S, PERIOD, GRACE)
    update = entry(sdk.update(ALICE, current.record.to_proto(), issued_at_us=now + S))
    check_transition(update, current, now + S, PERIOD, GRACE)
    with pytest.raises(errors.FailedPrecondition, match="grace"):
        check_transition(update, current, now + 2 * DAY, PERIOD, GRACE)
    renew = entry(sdk.renew(ALICE, current.record.to_proto(), issued_at_us=now + 2 * DAY))
    check_transition(renew, current, now + 2 * DAY, PERIOD, GRACE)
    assert current.state(now + 2 * DAY, GRACE) is State.GRACE


def test_hot_cache_drops_on_invalidation_and_skips_stale_fills() -> None:
    """An invalidation drops every query of the handle, and an answer
    computed before an invalidation is not stored; nothing is kept while
    the cache is disabled."""
    hot: HotCache[str] = HotCache()
    far = 2**62
    hot.put("@a.ipn", "@a.ipn", "x", far, hot.epoch)
    assert hot.get("@a.ipn") is None  # disabled until subscribed
    hot.enabled = True
    hot.put("@A.ipn", "@a.ipn", "x", far, hot.epoch)
    assert hot.get("@A.ipn") == "x"
    epoch = hot.epoch
    hot.invalidate("@a.ipn")
    assert hot.get("@A.ipn") is None
    hot.put("@A.ipn", "@a.ipn", "stale", far, epoch)
    assert hot.get("@A.ipn") is None
    hot.put("@b.ipn", "@b.ipn", "y", 1, hot.epoch)
    assert hot.get("@b.ipn") is None  # expired record
