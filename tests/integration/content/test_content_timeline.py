"""ListContent: exact windows in HashTimer order across pages, under
concurrent inserts, the same from Redis and from the DHT."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from ipndht.v1 import common_pb2, content_pb2, content_pb2_grpc
from ipndht_client import content as sdk
from services.content.timeline import BUCKET_READS
from services.core.host import ServiceHost
from services.core.records import keys
from tests.support.content_service import content_host, content_stub, list_all, list_page
from tests.support.redis import RedisProcess


def blake() -> common_pb2.ContentHash:
    return common_pb2.ContentHash(algorithm=common_pb2.HASH_ALGORITHM_BLAKE3, digest=os.urandom(32))


def reads(source: str) -> float:
    """Timeline buckets read so far from ``source``."""
    return BUCKET_READS.labels(source)._value.get()  # type: ignore[no-any-return]


@pytest.fixture
async def service(tmp_path: Path, redis_flushed: RedisProcess) -> AsyncIterator[ServiceHost]:
    async with content_host(tmp_path, redis_url=redis_flushed.url, timeline_bucket_s=1) as host:
        yield host


async def _provide_many(service: ServiceHost, count: int) -> list[str]:
    key = keys.generate_private_key()
    timers: list[str] = []
    async with content_stub(service) as stub:
        for _ in range(count):
            reply = await stub.Provide(
                content_pb2.ProvideRequest(record=sdk.provider_record(key, blake()))
            )
            timers.append(reply.hash_timer.hex)
    return timers


async def _both_orders(
    stub: content_pb2_grpc.ContentRoutingServiceStub,
    since: int,
    until: int,
    *,
    limits: tuple[int, int],
) -> tuple[list[str], list[str]]:
    """The HashTimers of a window read page by page, ascending then descending."""
    up = await list_all(stub, since_us=since, until_us=until, limit=limits[0])
    down = await list_all(
        stub,
        since_us=since,
        until_us=until,
        limit=limits[1],
        order=content_pb2.LIST_ORDER_DESCENDING,
    )
    return [e.hash_timer.hex for e in up], [e.hash_timer.hex for e in down]


async def test_window_lists_exactly_its_announcements_in_order(service: ServiceHost) -> None:
    """A window returns exactly the announcements whose HashTimer time is
    in [since, until), ascending or descending, across small pages."""
    timers = await _provide_many(service, 30)
    ordered = sorted(timers)
    since = int(ordered[5][:14], 16)
    until = int(ordered[25][:14], 16)
    inside = [t for t in ordered if since <= int(t[:14], 16) < until]
    async with content_stub(service) as stub:
        up, down = await _both_orders(stub, since, until, limits=(4, 3))
    assert up == inside
    assert down == inside[::-1]


async def test_a_window_ending_past_any_hashtimer_time_lists_like_an_open_end(
    service: ServiceHost,
) -> None:
    """until_us may be any uint64 (2^56, 2^63, 2^64 - 1: past what a
    HashTimer's 7-byte time holds): the window lists every announcement
    from since_us on, in both orders and across pages, as if it had no end."""
    timers = sorted(await _provide_many(service, 6))
    since = int(timers[0][:14], 16)
    async with content_stub(service) as stub:
        for until in (2**56, 2**63, 2**64 - 1):
            up, down = await _both_orders(stub, since, until, limits=(4, 4))
            assert up == timers, until
            assert down == timers[::-1], until


async def test_paging_neither_skips_nor_repeats_under_concurrent_inserts(
    service: ServiceHost,
) -> None:
    """While new announcements arrive, paging over "until now" returns every
    earlier entry exactly once, in order."""
    before = await _provide_many(service, 25)
    since = int(min(before)[:14], 16)
    async with content_stub(service) as stub:
        writer = asyncio.create_task(_provide_many(service, 15))
        seen: list[str] = []
        token = ""
        while True:
            entries, token = await list_page(stub, since_us=since, limit=3, page_token=token)
            seen.extend(e.hash_timer.hex for e in entries)
            await asyncio.sleep(0.01)
            if not token:
                break
        await writer
    assert len(seen) == len(set(seen))
    assert seen == sorted(seen)
    assert set(before) <= set(seen)


async def test_answers_are_the_same_from_the_dht_after_redis_is_flushed(
    service: ServiceHost, redis_flushed: RedisProcess
) -> None:
    """With Redis flushed the timeline is read from the DHT index pages and
    gives the same entries; the mirror is then refilled and used."""
    timers = await _provide_many(service, 40)
    since = int(min(timers)[:14], 16)
    async with content_stub(service) as stub:
        first = await list_all(stub, since_us=since, limit=7)
        client = aioredis.Redis.from_url(redis_flushed.url)
        await client.flushdb()
        await client.aclose()
        dht_reads = reads("dht")
        again = await list_all(stub, since_us=since, limit=7)
        assert reads("dht") > dht_reads
        redis_reads = reads("redis")
        third = await list_all(stub, since_us=since, limit=7)
        assert reads("redis") > redis_reads
    assert [e.hash_timer.hex for e in first] == sorted(timers)
    assert again == first
    assert third == first


async def test_long_mostly_empty_window_pages_through_every_bucket_once(
    service: ServiceHost, redis_flushed: RedisProcess
) -> None:
    """A window of 600 one-second buckets, nearly all empty, read from the
    DHT (Redis flushed): a call visits at most 256 buckets, and following
    the tokens yields every entry exactly once, in order, both directions."""
    timers = await _provide_many(service, 6)
    client = aioredis.Redis.from_url(redis_flushed.url)
    await client.flushdb()
    await client.aclose()
    until = int(max(timers)[:14], 16) + 1
    since = until - 600 * 1_000_000
    async with content_stub(service) as stub:
        first, token = await list_page(stub, since_us=since, until_us=until, limit=100)
        assert first == [] and token  # 256 empty buckets, then a token to go on
        up = await list_all(stub, since_us=since, until_us=until, limit=4)
        down = await list_all(
            stub, since_us=since, until_us=until, limit=4, order=content_pb2.LIST_ORDER_DESCENDING
        )
    assert [e.hash_timer.hex for e in up] == sorted(timers)
    assert [e.hash_timer.hex for e in down] == sorted(timers, reverse=True)
