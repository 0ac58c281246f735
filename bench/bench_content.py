"""Content routing figures.

- provide_p50_ratio_n200 / find_providers_p50_ratio_n200: p50 latency of
  ProviderIndex.provide (provider record plus timeline page, validated and
  signed) and ProviderIndex.find (DHT path, no cache) on a 200-node DhtNode
  swarm, over the p50 of the bare kademlia package's Server.set / get on a
  200-node swarm of bare package servers, measured in the same run.
- list_content_entries_per_s: entries per second listed by the Timeline over
  a window of 10,000 announcements in pages of 1000 (from the Redis mirror;
  the DHT-path figure is in the config).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from kademlia.network import Server

from bench.results import record
from ipndht.v1 import common_pb2, content_pb2
from services.content.announce import timer_of_fields
from services.content.domain import make_domain
from services.content.listing import list_page
from services.core.cache import NullCache, RedisCache
from services.core.dht.config import DhtConfig
from services.core.dht.node import DhtNode
from services.core.dht.swarm import Swarm
from services.core.nodes import build_policy
from services.core.records import keys
from services.core.settings import Settings

NODES = 200
SAMPLES = 40
ENTRIES = 10_000
PAGE = 1000
DHT_ADD_P50 = 0.0
SETTINGS = Settings(redis_url="", min_peers=0, timeline_bucket_s=3600)  # type: ignore[call-arg]


class _NoHandles:
    async def resolve(self, handle: str) -> bytes:
        raise RuntimeError("no handles in this benchmark")


def _record(key: keys.Ed25519PrivateKey) -> common_pb2.SignedRecord:
    import sys

    sdk_dir = str(Path(__file__).resolve().parents[1] / "clients" / "python")
    if sdk_dir not in sys.path:
        sys.path.insert(0, sdk_dir)
    from ipndht_client import content as sdk

    content = common_pb2.ContentHash(algorithm=2, digest=os.urandom(32))  # type: ignore[arg-type]
    return sdk.provider_record(key, content, ["tcp://127.0.0.1:1"])


async def _bare_swarm(count: int) -> list[Server]:
    """Bare package servers, each bootstrapped from three random earlier
    ones (as services.core.dht.swarm does for DhtNodes)."""
    import random

    rng = random.Random(1)
    servers: list[Server] = []
    for start in range(0, count, 25):
        group = [Server() for _ in range(min(25, count - start))]
        for s in group:
            await s.listen(0, interface="127.0.0.1")
        known = servers or group[:1]

        async def join(s: Server, known: list[Server] = known) -> None:
            peers = [p for p in known if p is not s]
            chosen = rng.sample(peers, min(3, len(peers)))
            addrs = [("127.0.0.1", p.transport.get_extra_info("sockname")[1]) for p in chosen]
            if addrs:
                await s.bootstrap(addrs)

        await asyncio.gather(*(join(s) for s in group))
        servers.extend(group)
    return servers


async def _p50(calls: list) -> float:  # type: ignore[type-arg]
    times = []
    for call in calls:
        t0 = time.perf_counter()
        await call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


async def _latency() -> tuple[float, float, float, float]:
    bare = await _bare_swarm(NODES)
    try:
        keys_ = [os.urandom(16) for _ in range(SAMPLES)]
        value = os.urandom(300)
        set_p50 = await _p50(
            [lambda k=k, n=bare[i % NODES]: n.set(k, value) for i, k in enumerate(keys_)]
        )
        get_p50 = await _p50(
            [lambda k=k, n=bare[(i * 7 + 3) % NODES]: n.get(k) for i, k in enumerate(keys_)]
        )
        found = [await bare[(i * 7 + 3) % NODES].get(k) for i, k in enumerate(keys_)]
        assert all(v == value for v in found), "the bare swarm lost values"
    finally:
        for s in bare:
            s.stop()
    swarm = Swarm(build_policy(SETTINGS), seed=1)
    try:
        await swarm.start(NODES)
        writer = swarm.nodes[0]
        domain = make_domain(writer, NullCache(), SETTINGS, None, resolver=_NoHandles())
        reader = make_domain(
            swarm.nodes[NODES // 2], NullCache(), SETTINGS, None, resolver=_NoHandles()
        )
        signer = keys.generate_private_key()
        records = [_record(signer) for _ in range(SAMPLES)]
        provide_p50 = await _p50([lambda r=r: domain.providers.provide(r) for r in records])
        bare_records = [_record(signer) for _ in range(SAMPLES)]
        global DHT_ADD_P50
        DHT_ADD_P50 = await _p50(
            [
                lambda r=r: writer.add_provider(r.SerializeToString(deterministic=True))
                for r in bare_records
            ]
        )
        find_p50 = await _p50(
            [
                lambda r=r: reader.providers.find(
                    common_pb2.ProviderRecord.FromString(r.value).content, 20
                )
                for r in records
            ]
        )
    finally:
        await swarm.stop()
    return provide_p50, find_p50, set_p50, get_p50


def _entry(i: int, base_us: int, signer: bytes) -> content_pb2.ContentEntry:
    key = bytes([2]) + os.urandom(32)
    timer = timer_of_fields("provider", signer, key, 1, base_us + i * 100)
    return content_pb2.ContentEntry(
        hash_timer=common_pb2.HashTimer(hex=timer.hex, time_us=timer.time_us),
        content=common_pb2.ContentHash(algorithm=2, digest=key[1:]),  # type: ignore[arg-type]
        provider_key=signer,
    )


async def _listing(redis_url: str) -> tuple[float, float]:
    node = DhtNode(DhtConfig(host="127.0.0.1", port=0), build_policy(SETTINGS))
    await node.start()
    cache = RedisCache(redis_url, service="bench")
    await cache.start()
    try:
        domain = make_domain(node, cache, SETTINGS, None, resolver=_NoHandles())
        signer = os.urandom(32)
        base = time.time_ns() // 1000 - ENTRIES * 100 - 1_000_000
        entries = [_entry(i, base, signer) for i in range(ENTRIES)]
        for start in range(0, ENTRIES, 50):
            await asyncio.gather(*(domain.timeline.add(e) for e in entries[start : start + 50]))
        until = base + ENTRIES * 100

        async def list_all() -> int:
            token, count = "", 0
            now = time.time_ns() // 1000
            while True:
                got, token = await list_page(domain.timeline, base, until, PAGE, 1, token, now)
                count += len(got)
                if not token:
                    return count

        await list_all()  # fills the Redis markers
        t0 = time.perf_counter()
        assert await list_all() == ENTRIES
        redis_rate = ENTRIES / (time.perf_counter() - t0)
        cold = make_domain(node, NullCache(), SETTINGS, None, resolver=_NoHandles())
        t0 = time.perf_counter()
        token, n = "", 0
        now = time.time_ns() // 1000
        while True:
            got, token = await list_page(cold.timeline, base, until, PAGE, 1, token, now)
            n += len(got)
            if not token:
                break
        dht_rate = n / (time.perf_counter() - t0)
        assert n == ENTRIES
        return redis_rate, dht_rate
    finally:
        await cache.close()
        await node.stop()


def run() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.support.redis import RedisProcess

    provide_p50, find_p50, set_p50, get_p50 = asyncio.run(_latency())
    config = {"nodes": NODES, "samples": SAMPLES, "floor_is": "kademlia 2.2.3 Server.set/get"}
    record(
        "provide_p50_ratio_n200",
        provide_p50 / set_p50,
        "ratio",
        floor=1.0,
        ratio=provide_p50 / set_p50,
        config={
            **config,
            "target": "<= 3.0",
            "provide_p50_ms": round(provide_p50 * 1000, 2),
            "bare_set_p50_ms": round(set_p50 * 1000, 2),
        },
    )
    record(
        "find_providers_p50_ratio_n200",
        find_p50 / get_p50,
        "ratio",
        floor=1.0,
        ratio=find_p50 / get_p50,
        config={
            **config,
            "target": "<= 3.0",
            "find_p50_ms": round(find_p50 * 1000, 2),
            "bare_get_p50_ms": round(get_p50 * 1000, 2),
        },
    )
    with tempfile.TemporaryDirectory() as tmp:
        redis = RedisProcess(Path(tmp))
        redis.start()
        try:
            redis_rate, dht_rate = asyncio.run(_listing(redis.url))
        finally:
            redis.stop()
    floor = 20_000.0
    record(
        "list_content_entries_per_s",
        redis_rate,
        "entries/s",
        floor=floor,
        ratio=redis_rate / floor,
        config={
            "entries": ENTRIES,
            "page": PAGE,
            "source": "redis mirror",
            "dht_path_entries_per_s": round(dht_rate),
        },
    )


if __name__ == "__main__":
    run()
