"""Index page framing, the index namespaces' validators, page tokens and
the announcement HashTimer."""

from __future__ import annotations

import os

import pytest

from ipndht.v1 import common_pb2, content_pb2
from services.content import announce, hashtimer, paging
from services.content import index_records as ir
from services.core.errors import InvalidArgument, InvalidRecord
from services.core.records import keys
from services.core.records.rules import SignedRecordPolicy
from services.core.records.signing import sign_record

NOW = 1_900_000_000_000_000


def _entry(time_us: int) -> bytes:
    timer = hashtimer.create(time_us, b"x")
    return content_pb2.ContentEntry(
        hash_timer=common_pb2.HashTimer(hex=timer.hex, time_us=time_us),
        content=common_pb2.ContentHash(algorithm=2, digest=os.urandom(32)),  # type: ignore[arg-type]
        provider_key=os.urandom(32),
    ).SerializeToString()


def test_items_round_trip_and_broken_framing_is_refused() -> None:
    items = [b"a" * 300, b"b", os.urandom(130)]
    assert ir.decode_items(ir.encode_items(items)) == items
    with pytest.raises(InvalidArgument):
        ir.decode_items(ir.encode_items(items)[:-1])


@pytest.mark.parametrize(
    ("key", "value", "ok"),
    [
        (b"3600000000/0", None, True),
        (b"3600000000", b"2", True),
        (b"3600000000", b"0", False),
        (b"abc/0", None, False),
        (b"3600000000/x", None, False),
        (b"7200000000000/0", None, False),  # entry before its bucket
    ],
)
def test_timeline_validator_checks_keys_heads_and_bucket_times(
    key: bytes, value: bytes | None, ok: bool
) -> None:
    """Timeline records are accepted only with a bucket key, a page count
    head or entries inside their bucket."""
    signer = keys.generate_private_key()
    body = ir.encode_items([_entry(3_600_000_000 + 5)]) if value is None else value
    record = sign_record(signer, ir.TIMELINE, key, body, 1, NOW, NOW + 10**9)
    policy = SignedRecordPolicy([], clock=lambda: NOW)
    if ok:
        policy.validate_record(record)
    else:
        with pytest.raises(InvalidRecord):
            policy.validate_record(record)


def test_page_tokens_round_trip_and_are_bound_to_their_window() -> None:
    cursor = paging.Cursor(10, 20, 1, hashtimer.create(15, b"p").hex)
    token = paging.encode(cursor)
    assert paging.decode(token, 10, 0, 1) == cursor
    assert paging.decode(token, 10, 20, 1) == cursor
    for since, until, order in ((11, 20, 1), (10, 21, 1), (10, 20, 2)):
        with pytest.raises(InvalidArgument):
            paging.decode(token, since, until, order)
    for bad in ("", "!!!", token[:-4]):
        with pytest.raises(InvalidArgument):
            paging.decode(bad, 10, 20, 1)


def test_announcement_timer_is_recomputable_from_the_signed_fields() -> None:
    """The HashTimer depends on issued_at, signer, key and seq only."""
    key = keys.generate_private_key()
    a = sign_record(key, "provider", b"\x02" + bytes(32), b"", 1, NOW, NOW + 10)
    b = sign_record(key, "provider", b"\x02" + bytes(32), b"v", 1, NOW, NOW + 99)
    c = sign_record(key, "provider", b"\x02" + bytes(32), b"", 2, NOW, NOW + 10)
    assert announce.timer_for(a) == announce.timer_for(b)
    assert announce.timer_for(a) != announce.timer_for(c)
    assert announce.timer_for(a).time_us == NOW
