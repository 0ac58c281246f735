"""The Redis cache: namespaced keys, and degrading to "no cache" when Redis fails."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
import redis.asyncio as aioredis
from structlog.testing import capture_logs

from services.core.cache import NullCache, RedisCache, cache_key, open_cache
from services.core.host import DISCOVERY, ServiceHost
from tests.support.probe import add_probe, probe_call
from tests.support.redis import RedisProcess
from tests.support.services import make_settings, start_host
from tests.support.waiting import eventually


@pytest.fixture
async def cache(redis_flushed: RedisProcess) -> AsyncIterator[RedisCache]:
    c = RedisCache(redis_flushed.url, service="test")
    await c.start()
    try:
        yield c
    finally:
        await c.close()


async def test_keys_are_namespaced(cache: RedisCache, redis_flushed: RedisProcess) -> None:
    """A value set under (kind, key) lives at ipndht:<kind>:<key> in Redis, with its TTL."""
    assert await cache.set("handle", "@alice.ipn", b"v1", ttl_s=30)
    raw = aioredis.Redis.from_url(redis_flushed.url)
    try:
        assert await raw.get("ipndht:handle:@alice.ipn") == b"v1"
        assert 0 < await raw.pttl("ipndht:handle:@alice.ipn") <= 30_000
    finally:
        await raw.aclose()
    assert cache_key("handle", "@alice.ipn") == "ipndht:handle:@alice.ipn"
    assert await cache.get("handle", "@alice.ipn") == b"v1"
    assert await cache.get_many("handle", ["@alice.ipn", "@bob.ipn"]) == [b"v1", None]


async def test_claim_succeeds_for_the_first_claimant_only(cache: RedisCache) -> None:
    """claim succeeds for the first claimant only, and again for it (a retry)."""
    assert await cache.claim("claim", "k", b"a", ttl_s=10) is True
    assert await cache.claim("claim", "k", b"b", ttl_s=10) is False
    assert await cache.claim("claim", "k", b"a", ttl_s=10) is True
    assert await cache.get("claim", "k") == b"a"
    assert await cache.delete("claim", "k")
    assert await cache.get("claim", "k") is None


async def test_a_claim_waits_for_a_slow_redis_and_asks_past_an_open_circuit(
    redis_flushed: RedisProcess,
) -> None:
    """Redis paused for 0.3 s: a plain call gives up after the 0.1 s timeout
    and opens the circuit, but claim with wait_s=2 is still sent to Redis
    and gets its real answer once Redis resumes; a second claimant is told
    the key is taken, the first one again (a retry) that it holds it."""
    c = RedisCache(redis_flushed.url, service="test", timeout_s=0.1)
    await c.start()
    assert redis_flushed.proc is not None
    os.kill(redis_flushed.proc.pid, signal.SIGSTOP)
    try:
        assert await c.get("k", "x") is None
        assert not c.up
        assert await c.claim("claim", "k", b"z", ttl_s=10) is None  # bypassed: circuit open
        loop = asyncio.get_running_loop()
        loop.call_later(0.3, os.kill, redis_flushed.proc.pid, signal.SIGCONT)
        started = time.perf_counter()
        assert await c.claim("claim", "k", b"a", ttl_s=10, wait_s=2.0) is True
        assert time.perf_counter() - started >= 0.2
        assert await c.claim("claim", "k", b"b", ttl_s=10, wait_s=2.0) is False
        assert await c.claim("claim", "k", b"a", ttl_s=10, wait_s=2.0) is True  # a retry
    finally:
        os.kill(redis_flushed.proc.pid, signal.SIGCONT)
        await c.close()


async def test_sorted_set_range_both_orders(cache: RedisCache) -> None:
    """zadd/zrange_by_score serve time windows in either order, paged by offset."""
    await cache.zadd("timeline", "all", {f"m{i}": float(i) for i in range(10)})
    up = await cache.zrange_by_score("timeline", "all", 2, 6, offset=1, count=3)
    assert up == [("m3", 3.0), ("m4", 4.0), ("m5", 5.0)]
    down = await cache.zrange_by_score("timeline", "all", 2, 6, count=2, descending=True)
    assert down == [("m6", 6.0), ("m5", 5.0)]
    assert await cache.zrem("timeline", "all", ["m3"])
    again = await cache.zrange_by_score("timeline", "all", 3, 3)
    assert again == []


async def test_non_positive_ttl_is_not_cached(cache: RedisCache) -> None:
    """A value whose validity already ended is never written."""
    assert not await cache.set("handle", "old", b"x", ttl_s=0)
    assert await cache.get("handle", "old") is None


async def test_kill9_degrades_fast_logs_once_and_reconnects(redis_server: RedisProcess) -> None:
    """Redis killed with -9: calls miss within ~100 ms, one log line, then it reconnects."""
    c = RedisCache(redis_server.url, service="test", timeout_s=0.1)
    await c.start()
    try:
        assert await c.set("k", "a", b"1", ttl_s=60)
        redis_server.kill9()
        with capture_logs() as logs:
            slowest = 0.0
            for _ in range(50):
                started = time.perf_counter()
                assert await c.get("k", "a") is None
                slowest = max(slowest, time.perf_counter() - started)
        assert slowest < 0.25, f"a cache call took {slowest:.3f}s on a dead Redis"
        assert [e["event"] for e in logs].count("cache_unavailable") == 1
        assert not c.up
        redis_server.start()
        assert await eventually(lambda: c.up, 10), "the cache did not reconnect within 10 s"
        assert await c.set("k", "a", b"2", ttl_s=60)
        assert await c.get("k", "a") == b"2"
    finally:
        await c.close()


async def test_hung_redis_costs_at_most_the_timeout(redis_server: RedisProcess) -> None:
    """A Redis that stops answering (SIGSTOP) costs one call the timeout, then none."""
    c = RedisCache(redis_server.url, service="test", timeout_s=0.1)
    await c.start()
    assert redis_server.proc is not None
    os.kill(redis_server.proc.pid, signal.SIGSTOP)
    try:
        started = time.perf_counter()
        assert await c.get("k", "x") is None
        first = time.perf_counter() - started
        started = time.perf_counter()
        assert await c.get("k", "x") is None
        second = time.perf_counter() - started
        assert first < 0.3
        assert second < 0.01  # the circuit is open: Redis is not asked
    finally:
        os.kill(redis_server.proc.pid, signal.SIGCONT)
        await c.close()


async def test_empty_url_gives_null_cache() -> None:
    """IPNDHT_REDIS_URL="" runs without a cache: reads miss, writes are dropped."""
    c = await open_cache("", service="test", timeout_s=0.1)
    assert isinstance(c, NullCache)
    assert not await c.set("k", "a", b"1", ttl_s=5)
    assert await c.get("k", "a") is None
    assert await c.claim("k", "a", b"1", ttl_s=5) is None


async def test_service_keeps_answering_while_redis_is_killed(
    tmp_path: Path, redis_server: RedisProcess
) -> None:
    """A service whose Redis is killed -9 keeps answering, then uses Redis again."""

    async def build(h: ServiceHost) -> None:
        add_probe(h)

    host = await start_host(make_settings(tmp_path, redis_url=redis_server.url), DISCOVERY, build)
    try:
        assert await host.cache.set("test", "probe", b"v", ttl_s=60)
        async with grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel:
            get = probe_call(channel, "CacheGet")
            assert await get(b"", timeout=5) == b"hit:v"
            redis_server.kill9()
            for _ in range(20):
                assert await get(b"", timeout=1) == b"miss"
            redis_server.start()
            assert await eventually(lambda: host.cache.up, 10)
            assert await host.cache.set("test", "probe", b"w", ttl_s=60)
            assert await get(b"", timeout=5) == b"hit:w"
    finally:
        await host.stop(grace_s=0)
