"""Abuse at swarm scale: a datagram flood at one node, and a node joining a
swarm that already holds many keys (behaviour 8)."""

from __future__ import annotations

import asyncio
import gc
import random
import resource
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.core.dht.adversary import RawPeer, junk_datagrams
from services.core.dht.config import DhtConfig
from services.core.dht.jsonrecords import JsonRecordPolicy, JsonSigner, json_dht_key
from services.core.dht.node import DhtNode
from services.core.dht.swarm import Swarm

pytestmark = pytest.mark.cluster

CONFIG = DhtConfig(rpc_timeout_s=1.0)


@pytest.fixture
def signer() -> JsonSigner:
    return JsonSigner()


@pytest.fixture
async def loop_errors() -> AsyncIterator[list[dict[str, Any]]]:
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, ctx: errors.append(ctx))
    try:
        yield errors
    finally:
        loop.set_exception_handler(previous)


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


async def test_flood_of_10000_junk_datagrams_leaves_the_node_serving(
    signer: JsonSigner, loop_errors: list[dict[str, Any]]
) -> None:
    """10,000 random and malformed datagrams from many sources at one node: it keeps
    answering honest gets, raises nothing, and its memory stays flat."""
    sw = Swarm(JsonRecordPolicy([signer]), template=CONFIG, seed=5)
    flooders = [await RawPeer.open() for _ in range(20)]
    rng = random.Random(9)
    try:
        await sw.start(30)
        target = sw.nodes[0]
        records = {}
        for i in range(30):
            raw = signer.make("handle", f"f{i}", "v", 1)
            await sw.nodes[i].put(raw)
            records[json_dht_key("handle", f"f{i}")] = raw

        async def flood(count: int) -> None:
            junk = junk_datagrams(rng, count, target.node_id)
            for i, data in enumerate(junk):
                flooders[i % len(flooders)].send(data, target.address)
                await asyncio.sleep(0)  # the node reads one datagram per loop pass

        await flood(5_000)  # warm up caches and tables
        gc.collect()
        rss_before = _rss_mb()
        flood_task = asyncio.ensure_future(flood(10_000))
        ok = 0
        for key, raw in records.items():
            ok += await target.get(key) == raw
        await flood_task
        await asyncio.sleep(0.2)
        gc.collect()
        rss_after = _rss_mb()
        assert ok == len(records)
        stats = target.stats()
        seen = stats["rejected_datagrams"] + stats["throttled_datagrams"] + stats["rpc_requests"]
        assert seen > 10_000, stats
        assert loop_errors == []
        assert rss_after - rss_before < 8.0
        honest = await sw.nodes[5].get(next(iter(records)))
        assert honest is not None
    finally:
        for f in flooders:
            f.close()
        await sw.stop()


async def test_node_joining_a_swarm_with_many_keys_is_not_flooded(signer: JsonSigner) -> None:
    """A node joining 20 nodes that hold 600 keys receives its share at the hand-off
    rate, with no RPC failures, while gets stay fast (the package: minutes of
    timeouts)."""
    policy = JsonRecordPolicy([signer])
    sw = Swarm(policy, template=CONFIG, seed=11)
    joiner: DhtNode | None = None
    try:
        await sw.start(20)
        keys = []
        for i in range(600):
            raw = signer.make("handle", f"j{i}", "v", 1)
            await sw.nodes[i % 20].put(raw)
            keys.append((json_dht_key("handle", f"j{i}"), raw))
        failures_before = sum(n.stats()["rpc_failures"] for n in sw.nodes)
        joiner = DhtNode(CONFIG, policy)
        await joiner.start()
        await joiner.bootstrap([sw.nodes[0].address])
        latencies = []
        for key, raw in keys[:100]:
            t0 = time.perf_counter()
            assert await sw.random_node().get(key) == raw
            latencies.append(time.perf_counter() - t0)
        await asyncio.sleep(1.0)
        failures_after = sum(n.stats()["rpc_failures"] for n in sw.nodes)
        assert failures_after == failures_before
        assert joiner.stats()["rpc_failures"] == 0
        assert max(latencies) < 0.5
        assert len(joiner.storage) > 0
    finally:
        if joiner is not None:
            await joiner.stop()
        await sw.stop()
