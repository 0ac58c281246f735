"""Redis killed with SIGKILL and restarted while clients load the whole
system (Resolve, ListContent, Register, Provide from a few client tasks):
no RPC fails, and the latency during the outage is recorded.

Redis is a cache, never the source of truth (DESIGN.md): with it gone,
reads fall back to the DHT and the local stores, and writes claim through
the DHT. tests/integration/core/test_cache.py pins the cache layer alone."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support.faults import figure, p99_ms
from tests.support.load_clients import KINDS, Load, under_load
from tests.support.redis import RedisProcess
from tests.support.system import System

pytestmark = pytest.mark.cluster

#: Handles and contents written before the load, for Resolve and ListContent.
SEED = 8


async def _redis_outage(
    tmp_path: Path, redis: RedisProcess, *, clients: int, outages: int, outage_s: float, label: str
) -> None:
    system = System(tmp_path, redis_url=redis.url)
    await asyncio.to_thread(system.start)
    try:
        async with Load(system.endpoints, f"redis-{label}") as load:
            await load.seed(SEED, SEED)
            windows = []
            for _ in range(outages):

                async def outage() -> None:
                    redis.kill9()
                    await asyncio.sleep(outage_s)
                    await asyncio.to_thread(redis.start)

                windows.append(
                    await under_load(
                        load, clients, KINDS, outage, before_s=outage_s / 2, after_s=outage_s / 2
                    )
                )
            failed = load.failures()
            assert not failed, f"{len(failed)} of {len(load.calls)} calls failed: {failed[:10]}"
            during = [c for w in windows for c in load.between(w.start, w.end)]
            before = [c for c in load.calls if c.started < windows[0].start]
            assert len(during) > clients, "the load did not run through the outage"
            assert not await load.unresolved()
            assert not await load.unfound()
        figure(f"redis_kill9_{label}_calls", len(load.calls), "calls")
        figure(f"redis_kill9_{label}_failed_calls", len(failed), "calls")
        figure(f"redis_kill9_{label}_calls_during_outage", len(during), "calls")
        figure(f"redis_kill9_{label}_p99_before", p99_ms([c.latency_s for c in before]), "ms")
        figure(
            f"redis_kill9_{label}_p99_during_outage", p99_ms([c.latency_s for c in during]), "ms"
        )
    finally:
        await asyncio.to_thread(system.stop)


async def test_redis_kill9_under_load_fails_no_rpc(
    tmp_path: Path, redis_server: RedisProcess
) -> None:
    """Three clients call Resolve, ListContent, Register and Provide while
    Redis is killed with SIGKILL for 3 s and restarted: every call is OK, and
    every acknowledged write reads back afterwards."""
    await _redis_outage(tmp_path, redis_server, clients=3, outages=1, outage_s=3.0, label="fast")


@pytest.mark.faults
@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_redis_kill9_repeatedly_under_heavy_load_fails_no_rpc(
    tmp_path: Path, redis_server: RedisProcess
) -> None:
    """Eight clients, three 15 s Redis outages in a row: no call fails."""
    await _redis_outage(tmp_path, redis_server, clients=8, outages=3, outage_s=15.0, label="heavy")
