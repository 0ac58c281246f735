"""Several registries: racing registrations, cross-instance cache
invalidation, Redis down, and a network partition healing."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import grpc

from ipndht.v1 import handles_pb2
from ipndht_client import handles as sdk
from services.core.host import ServiceHost
from services.core.records import keys
from tests.support.handles_hosts import (
    Stub,
    dht_address,
    make_registrar,
    pub,
    start_registry,
)
from tests.support.net import free_tcp_port
from tests.support.redis import RedisProcess


async def _register(stub: Stub, key: keys.Ed25519PrivateKey, name: str) -> grpc.StatusCode:
    try:
        await stub.Register(handles_pb2.RegisterRequest(record=sdk.register(key, name)), timeout=10)
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


@contextlib.asynccontextmanager
async def _two_registries(
    tmp_path: Path, url1: str, url2: str
) -> AsyncIterator[tuple[ServiceHost, ServiceHost]]:
    """Two registries trusting one registrar, with their own Redis URLs; the
    second joins the DHT through the first. Both stopped on exit."""
    reg = make_registrar(tmp_path)
    r1 = await start_registry(tmp_path, reg, "r1", redis_url=url1)
    try:
        r2 = await start_registry(
            tmp_path, reg, "r2", redis_url=url2, bootstrap=[f"127.0.0.1:{dht_address(r1)[1]}"]
        )
        try:
            yield r1, r2
        finally:
            await r2.stop(grace_s=0)
    finally:
        await r1.stop(grace_s=0)


async def _race(r1: ServiceHost, r2: ServiceHost, prefix: str, rounds: int) -> None:
    """``rounds`` times, one handle registered by two owners at once, one
    through each registry: exactly one gets OK, the other ALREADY_EXISTS,
    and both registries then resolve the winner."""
    async with (
        grpc.aio.insecure_channel(f"127.0.0.1:{r1.grpc_port}") as c1,
        grpc.aio.insecure_channel(f"127.0.0.1:{r2.grpc_port}") as c2,
    ):
        s1, s2 = Stub(c1), Stub(c2)
        for i in range(rounds):
            name = f"@{prefix}-{i}.ipn"
            a, b = keys.generate_private_key(), keys.generate_private_key()
            codes = await asyncio.gather(_register(s1, a, name), _register(s2, b, name))
            assert sorted(c.name for c in codes) == ["ALREADY_EXISTS", "OK"], (i, codes)
            winner = a if codes[0] == grpc.StatusCode.OK else b
            for stub in (s1, s2):
                answer = await stub.Resolve(handles_pb2.ResolveRequest(query=name))
                assert answer.public_key == pub(winner), (i, stub)


async def test_two_registries_racing_one_handle_exactly_one_wins(
    tmp_path: Path, redis_flushed: RedisProcess
) -> None:
    """A hundred times, two registries sharing Redis and the DHT get the same
    handle registered by two owners at once: exactly one gets OK, the other
    ALREADY_EXISTS, and both then resolve the winner."""
    async with _two_registries(tmp_path, redis_flushed.url, redis_flushed.url) as (r1, r2):
        await _race(r1, r2, "race", 100)


async def test_a_registry_without_redis_racing_one_with_redis_lets_exactly_one_win(
    tmp_path: Path, redis_flushed: RedisProcess
) -> None:
    """Fifty times, a registry whose Redis is unreachable (its claims fail, so
    it writes through the DHT check) races a registry whose claims go
    through: exactly one registration gets OK, and both resolve the winner.
    Neither may displace a record of the same seq the other already
    acknowledged, whichever record the DHT's selection prefers."""
    dead = f"redis://127.0.0.1:{free_tcp_port()}"
    async with _two_registries(tmp_path, dead, redis_flushed.url) as (r1, r2):
        assert not r1.cache.up and r2.cache.up
        await _race(r1, r2, "mixed", 50)


async def test_update_through_one_registry_is_seen_by_another_within_100ms(
    tmp_path: Path, redis_flushed: RedisProcess
) -> None:
    """Registry B answers from its in-process cache; an update through A
    reaches B's answers within 100 ms (Redis pub/sub invalidation)."""
    reg = make_registrar(tmp_path)
    a = await start_registry(tmp_path, reg, "a", redis_url=redis_flushed.url)
    b = await start_registry(
        tmp_path,
        reg,
        "b",
        redis_url=redis_flushed.url,
        bootstrap=[f"127.0.0.1:{dht_address(a)[1]}"],
    )
    try:
        async with (
            grpc.aio.insecure_channel(f"127.0.0.1:{a.grpc_port}") as ca,
            grpc.aio.insecure_channel(f"127.0.0.1:{b.grpc_port}") as cb,
        ):
            sa, sb = Stub(ca), Stub(cb)
            owner = keys.generate_private_key()
            rec = (
                await sa.Register(
                    handles_pb2.RegisterRequest(record=sdk.register(owner, "@fast.ipn"))
                )
            ).record
            query = handles_pb2.ResolveRequest(query="@fast.ipn")
            for _ in range(3):
                answer = await sb.Resolve(query)
            assert answer.source == handles_pb2.RESOLVE_SOURCE_CACHE
            for round_ in range(5):
                target = pub(keys.generate_private_key())
                rec = (
                    await sa.Update(
                        handles_pb2.UpdateRequest(record=sdk.update(owner, rec, target_key=target))
                    )
                ).record
                started = time.monotonic()
                while (await sb.Resolve(query)).public_key != target:
                    assert time.monotonic() - started < 0.1, f"round {round_}: stale after 100 ms"
                    await asyncio.sleep(0.005)
    finally:
        await b.stop(grace_s=0)
        await a.stop(grace_s=0)


async def test_resolve_answers_with_redis_down(tmp_path: Path, redis_server: RedisProcess) -> None:
    """With Redis killed, Resolve still answers every handle (from the DHT or
    the local store), and writes still work."""
    reg = make_registrar(tmp_path)
    host = await start_registry(tmp_path, reg, redis_url=redis_server.url)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel:
            stub = Stub(channel)
            owner = keys.generate_private_key()
            names = [f"@down-{i}.ipn" for i in range(5)]
            for name in names:
                await stub.Register(handles_pb2.RegisterRequest(record=sdk.register(owner, name)))
                await stub.Resolve(handles_pb2.ResolveRequest(query=name))
            redis_server.kill9()
            for name in names:
                answer = await stub.Resolve(handles_pb2.ResolveRequest(query=name), timeout=5)
                assert answer.public_key == pub(owner)
            assert await _register(stub, owner, "@after.ipn") == grpc.StatusCode.OK
            answer = await stub.Resolve(handles_pb2.ResolveRequest(query="@after.ipn"))
            assert answer.public_key == pub(owner)
    finally:
        await host.stop(grace_s=0)


async def test_partition_heals_to_the_earlier_registration(tmp_path: Path) -> None:
    """Two registries in separate halves (no shared Redis, no DHT link) both
    accept @split.ipn for different owners. When the halves meet, both
    serve the same record: the DHT's rule (higher seq, then earlier
    issued_at, then smaller signature) picks the earlier registration."""
    reg = make_registrar(tmp_path)
    left = await start_registry(tmp_path, reg, "left")
    right = await start_registry(tmp_path, reg, "right")
    try:
        async with (
            grpc.aio.insecure_channel(f"127.0.0.1:{left.grpc_port}") as cl,
            grpc.aio.insecure_channel(f"127.0.0.1:{right.grpc_port}") as cr,
        ):
            sl, sr = Stub(cl), Stub(cr)
            early, late = keys.generate_private_key(), keys.generate_private_key()
            now = sdk.now_us()
            await sr.Register(
                handles_pb2.RegisterRequest(
                    record=sdk.register(late, "@split.ipn", issued_at_us=now)
                )
            )
            await sl.Register(
                handles_pb2.RegisterRequest(
                    record=sdk.register(early, "@split.ipn", issued_at_us=now - 1_000_000)
                )
            )
            assert (
                await sr.Resolve(handles_pb2.ResolveRequest(query="@split.ipn"))
            ).public_key == pub(late)
            assert right.dht is not None
            await right.dht.bootstrap([dht_address(left)])
            for stub in (sl, sr):
                answer = await stub.Resolve(handles_pb2.ResolveRequest(query="@split.ipn"))
                assert answer.public_key == pub(early)
            history = await sr.GetHistory(handles_pb2.GetHistoryRequest(handle="@split.ipn"))
            assert [r.signer for r in history.records] == [pub(early)]
    finally:
        await right.stop(grace_s=0)
        await left.stop(grace_s=0)
