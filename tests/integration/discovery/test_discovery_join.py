"""Service-to-service: another service's host joins through discovery
(retrying while discovery is down), registers its DHT node, and keeps
working after discovery goes away; the shared Redis mirror of the peer cache."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.core.host import HANDLES, ServiceHost
from services.discovery.join import join_via_discovery
from services.discovery.model import Source, State
from services.discovery.peercache import RedisPeerStore
from tests.support.discovery_harness import dht_nodes, discovery_host, fast_settings
from tests.support.net import free_tcp_port
from tests.support.redis import RedisProcess
from tests.support.services import start_host
from tests.support.waiting import eventually


async def test_second_service_joins_through_discovery_started_later(tmp_path: Path) -> None:
    """The joining host retries while discovery is down, then joins and
    registers its DHT node (EXCHANGE, LIVE); it keeps serving once discovery stops."""
    grpc_port = free_tcp_port()
    joined: list[bool] = []

    async def build(host: ServiceHost) -> None:
        async def run() -> None:
            joined.append(await join_via_discovery(host))

        host.spawn(run(), "join-via-discovery")

    other = await start_host(
        fast_settings(
            tmp_path, data_dir=tmp_path / "other", discovery_addr=f"127.0.0.1:{grpc_port}"
        ),
        HANDLES,
        build,
    )
    try:
        await asyncio.sleep(0.5)  # a few failed attempts against nothing
        assert joined == []
        settings = fast_settings(tmp_path, data_dir=tmp_path / "disc", grpc_port=grpc_port)
        async with discovery_host(settings) as dh:
            assert await eventually(lambda: joined == [True], 10)
            assert other.dht is not None
            peer = dh.discovery.book.get(*other.dht.address)
            assert peer is not None and peer.source == Source.EXCHANGE
            assert peer.state == State.LIVE and peer.node_id == other.dht.node_id
            assert dh.dht_address in [(ip, port) for _, ip, port in other.dht.neighbours()]
        async with grpc.aio.insecure_channel(f"127.0.0.1:{other.grpc_port}") as channel:
            reply = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=""), timeout=5
            )
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        await other.stop(grace_s=0)


async def test_join_gives_up_quietly_after_max_attempts(tmp_path: Path) -> None:
    """With discovery away, join_via_discovery returns False; it never raises."""
    settings = fast_settings(tmp_path, discovery_addr=f"127.0.0.1:{free_tcp_port()}")

    async def build(host: ServiceHost) -> None:
        return None

    host = await start_host(settings, HANDLES, build)
    try:
        assert await join_via_discovery(host, max_attempts=2) is False
    finally:
        await host.stop(grace_s=0)


async def test_redis_mirror_lets_a_fresh_node_join(
    tmp_path: Path, redis_flushed: RedisProcess
) -> None:
    """A discovery host flushes its book to the shared Redis; a second host
    with an empty disk cache and no bootstrap list rejoins from Redis alone."""
    first = fast_settings(tmp_path, redis_url=redis_flushed.url, data_dir=tmp_path / "a")
    second = fast_settings(tmp_path, redis_url=redis_flushed.url, data_dir=tmp_path / "b")
    async with dht_nodes(first, 2) as swarm, discovery_host(first) as dh:
        for node in swarm.nodes:
            await dh.discovery.register_node(*node.address, b"", "test")
        await dh.discovery.flush()
        mirror = RedisPeerStore(dh.host.cache)
        assert {p.address for p in await mirror.load()} == {n.address for n in swarm.nodes}
        async with discovery_host(second) as fresh:
            book = fresh.discovery.book
            assert await eventually(lambda: book.live_count() >= 2, 5)
            for node in swarm.nodes:  # the first host's node may follow via the routing table
                peer = book.get(*node.address)
                assert peer is not None and peer.source == Source.CACHE
                assert peer.state == State.LIVE
