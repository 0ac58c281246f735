"""Handle registry benchmarks.

- resolve_cache_hit_rps_ratio / resolve_cache_hit_p99_ratio: Resolve of one
  cached handle through the real service process, against the floor of a
  bare grpc.aio server doing one Redis GET per request (same response
  bytes, same load generator, same run). Rounds alternate floor and
  service; medians are compared.
- resolve_cold_p50_ms_n50 / resolve_cold_p99_ms_n50: Resolve with every cache
  empty, through a registry whose DHT node joined a 50-node swarm, of
  handles registered through another registry.

Run: ``.venv/bin/python -m bench.bench_handles`` (writes bench/results.json).
The floor server is ``python -m bench.bench_handles floor <port> <redis url>``.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import grpc

from bench.load import free_port, measure, percentile, server_process
from bench.results import record
from ipndht.v1 import handles_pb2, handles_pb2_grpc

ROUNDS = 3
SECONDS = 4.0
CONCURRENCY = 32
COLD_SWARM = 50
COLD_HANDLES = 100
METHOD = "/ipndht.v1.HandleRegistryService/Resolve"
HANDLE = "@bench.ipn"
FLOOR_KEY = "ipndht:bench:resolve"


async def _resolve(channel: grpc.aio.Channel) -> object:
    call = channel.unary_unary(
        METHOD,
        request_serializer=handles_pb2.ResolveRequest.SerializeToString,
        response_deserializer=handles_pb2.ResolveResponse.FromString,
    )
    return await call(handles_pb2.ResolveRequest(query=HANDLE), timeout=5)


# -- the floor: a bare grpc.aio server, one Redis GET per request ----------------


async def _floor_server(port: int, redis_url: str) -> None:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(redis_url)

    async def resolve(request: handles_pb2.ResolveRequest, context: object) -> bytes:
        value = await client.get(FLOOR_KEY)
        return value if isinstance(value, bytes) else b""

    handler = grpc.unary_unary_rpc_method_handler(
        resolve,
        request_deserializer=handles_pb2.ResolveRequest.FromString,
        response_serializer=lambda raw: raw,
    )
    server = grpc.aio.server()
    server.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                "ipndht.v1.HandleRegistryService", {"Resolve": handler}
            ),
        )
    )
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


# -- cache hit -------------------------------------------------------------------


def _service_env(workdir: Path, redis_url: str, port: int) -> dict[str, str]:
    from tests.support.handles_hosts import make_registrar

    reg = make_registrar(workdir)
    return {
        "IPNDHT_GRPC_PORT": str(port),
        "IPNDHT_METRICS_PORT": str(free_port()),
        "IPNDHT_DHT_PORT": "0",
        "IPNDHT_MIN_PEERS": "0",
        "IPNDHT_DATA_DIR": str(workdir / "data"),
        "IPNDHT_REDIS_URL": redis_url,
        "IPNDHT_REGISTRAR_KEY_FILE": str(reg.path),
        "IPNDHT_TRUSTED_REGISTRARS": reg.public_hex,
        "IPNDHT_LOG_LEVEL": "warning",
    }


async def _prepare(port: int, redis_url: str) -> None:
    """Register the benchmark handle and store its answer for the floor."""
    import redis.asyncio as aioredis

    from ipndht_client import handles as sdk
    from services.core.records import keys

    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = handles_pb2_grpc.HandleRegistryServiceStub(channel)
        owner = keys.generate_private_key()
        await stub.Register(
            handles_pb2.RegisterRequest(
                record=sdk.register(owner, HANDLE, addresses=["tcp://127.0.0.1:1"])
            ),
            timeout=10,
        )
        for _ in range(20):  # let the invalidation subscription come up
            answer = await stub.Resolve(handles_pb2.ResolveRequest(query=HANDLE), timeout=5)
            await asyncio.sleep(0.05)
        assert answer.source == handles_pb2.RESOLVE_SOURCE_CACHE, answer.source
    client = aioredis.Redis.from_url(redis_url)
    await client.set(FLOOR_KEY, answer.SerializeToString())
    await client.aclose()


def _cache_hit(workdir: Path) -> None:
    from tests.support.redis import RedisProcess

    redis = RedisProcess(workdir / "redis")
    redis.start()
    try:
        floor_rps: list[float] = []
        floor_p99: list[float] = []
        hit_rps: list[float] = []
        hit_p99: list[float] = []
        port = free_port()
        env = _service_env(workdir, redis.url, port)
        with server_process(["services.handles"], port, env):
            asyncio.run(_prepare(port, redis.url))
        for round_ in range(ROUNDS):
            fport = free_port()
            with server_process(["bench.bench_handles", "floor", str(fport), redis.url], fport):
                rps, lat = measure(fport, _resolve, SECONDS, CONCURRENCY)
            floor_rps.append(rps)
            floor_p99.append(percentile(lat, 0.99))
            env["IPNDHT_GRPC_PORT"] = str(port)
            with server_process(["services.handles"], port, env):
                asyncio.run(_warm(port))
                rps, lat = measure(port, _resolve, SECONDS, CONCURRENCY)
            hit_rps.append(rps)
            hit_p99.append(percentile(lat, 0.99))
            print(
                f"round {round_}: floor {floor_rps[-1]:.0f} rps, service {rps:.0f} rps", flush=True
            )
    finally:
        redis.stop()
    floor, value = statistics.median(floor_rps), statistics.median(hit_rps)
    p99_floor, p99 = statistics.median(floor_p99), statistics.median(hit_p99)
    config = {
        "rounds": ROUNDS,
        "seconds": SECONDS,
        "concurrency": CONCURRENCY,
        "floor_is": "bare grpc.aio server, one Redis GET per request, same response bytes",
        "service_rps": round(value),
        "floor_rps": round(floor),
    }
    record(
        "resolve_cache_hit_rps_ratio",
        value / floor,
        "ratio",
        floor=1.0,
        ratio=value / floor,
        config={**config, "target": ">= 0.8"},
    )
    record(
        "resolve_cache_hit_p99_ratio",
        p99 / p99_floor,
        "ratio",
        floor=1.0,
        ratio=p99 / p99_floor,
        config={
            **config,
            "target": "<= 1.5",
            "p99_ms": round(p99 * 1e3, 3),
            "floor_p99_ms": round(p99_floor * 1e3, 3),
        },
    )


async def _warm(port: int) -> None:
    """A restarted service fills its in-process cache at the first lookups."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            answer = await _resolve(channel)
            assert isinstance(answer, handles_pb2.ResolveResponse)
            if answer.source == handles_pb2.RESOLVE_SOURCE_CACHE:
                return
            await asyncio.sleep(0.05)


# -- cold lookups on a 50-node swarm ----------------------------------------------


async def _cold(workdir: Path) -> list[float]:
    from ipndht_client import handles as sdk
    from services.core.dht.swarm import Swarm
    from services.core.nodes import build_policy
    from services.core.records import keys
    from tests.support.handles_hosts import make_registrar, start_registry
    from tests.support.services import make_settings

    reg = make_registrar(workdir)
    policy = build_policy(make_settings(workdir / "p", trusted_registrars=[reg.public_hex]))
    swarm = Swarm(policy)
    await swarm.start(COLD_SWARM)
    seed = [f"127.0.0.1:{swarm.nodes[0].address[1]}"]
    writer = await start_registry(workdir, reg, "writer", bootstrap=seed, log_level="warning")
    reader = await start_registry(workdir, reg, "reader", bootstrap=seed, log_level="warning")
    latencies: list[float] = []
    try:
        names = [f"@cold-{i}.ipn" for i in range(COLD_HANDLES)]
        owner = keys.generate_private_key()
        async with grpc.aio.insecure_channel(f"127.0.0.1:{writer.grpc_port}") as channel:
            stub = handles_pb2_grpc.HandleRegistryServiceStub(channel)
            for name in names:
                await stub.Register(handles_pb2.RegisterRequest(record=sdk.register(owner, name)))
        async with grpc.aio.insecure_channel(f"127.0.0.1:{reader.grpc_port}") as channel:
            stub = handles_pb2_grpc.HandleRegistryServiceStub(channel)
            await stub.GetRegistrarInfo(handles_pb2.GetRegistrarInfoRequest())
            for name in names:
                started = time.perf_counter()
                answer = await stub.Resolve(handles_pb2.ResolveRequest(query=name), timeout=10)
                latencies.append(time.perf_counter() - started)
                assert answer.public_key == keys.public_key_bytes(owner)
    finally:
        await reader.stop(grace_s=0)
        await writer.stop(grace_s=0)
        await swarm.stop()
    return latencies


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-handles-") as tmp:
        workdir = Path(tmp)
        _cache_hit(workdir / "hit")
        latencies = asyncio.run(_cold(workdir / "cold"))
    config = {"swarm_nodes": COLD_SWARM, "lookups": len(latencies), "cache": "empty (no Redis)"}
    record(
        "resolve_cold_p50_ms_n50",
        percentile(latencies, 0.5) * 1e3,
        "ms",
        floor=None,
        ratio=None,
        config=config,
    )
    record(
        "resolve_cold_p99_ms_n50",
        percentile(latencies, 0.99) * 1e3,
        "ms",
        floor=None,
        ratio=None,
        config=config,
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "floor":
        os.environ.setdefault("PYTHONUNBUFFERED", "1")
        asyncio.run(_floor_server(int(sys.argv[2]), sys.argv[3]))
    else:
        run()
