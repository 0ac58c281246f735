"""The minimum-peer rule as discovery meets it, and the WatchPeers stream."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from ipndht.v1 import discovery_pb2
from services.core.errors import NotEnoughPeers
from tests.support.discovery_harness import dht_nodes, discovery_host, fast_settings, stub_for

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
JOINED = discovery_pb2.PEER_EVENT_KIND_JOINED
LEFT = discovery_pb2.PEER_EVENT_KIND_LEFT


async def _health(target: str) -> int:
    async with grpc.aio.insecure_channel(target) as channel:
        reply = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="ipndht.v1.DiscoveryService"), timeout=5
        )
        return int(reply.status)


async def _health_becomes(target: str, status: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await _health(target) == status:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_not_serving_until_the_second_peer_registers(tmp_path: Path) -> None:
    """min_peers=2: NOT_SERVING and writes refused (have/need in the message)
    with one peer; SERVING by itself once the second peer registers."""
    settings = fast_settings(tmp_path, min_peers=2)
    async with (
        dht_nodes(settings, 2) as swarm,
        discovery_host(settings) as dh,
        stub_for(dh) as stub,
    ):
        assert await _health(dh.target) == NOT_SERVING
        first, second = (n.address for n in swarm.nodes)
        await stub.RegisterNode(
            discovery_pb2.RegisterNodeRequest(host=first[0], port=first[1], service="test"),
            timeout=5,
        )
        await asyncio.sleep(0.6)
        assert await _health(dh.target) == NOT_SERVING
        with pytest.raises(NotEnoughPeers, match="1 live, 2 needed"):
            dh.host.check_writable()
        status = await stub.GetStatus(discovery_pb2.GetStatusRequest(), timeout=5)
        assert (status.live_peers, status.min_peers, status.min_peers_met) == (1, 2, False)
        await stub.RegisterNode(
            discovery_pb2.RegisterNodeRequest(host=second[0], port=second[1], service="test"),
            timeout=5,
        )
        assert await _health_becomes(dh.target, SERVING, 3)
        dh.host.check_writable()
        status = await stub.GetStatus(discovery_pb2.GetStatusRequest(), timeout=5)
        assert status.min_peers_met


async def test_watch_delivers_join_and_leave_within_the_liveness_interval(tmp_path: Path) -> None:
    """A registered peer gives JOINED at once; a peer that dies gives LEFT
    within one ping interval plus one RPC timeout."""
    settings = fast_settings(tmp_path)
    budget_s = settings.peer_ping_interval_s + settings.dht_rpc_timeout_ms / 1000 + 0.5
    async with (
        dht_nodes(settings, 2) as swarm,
        discovery_host(settings) as dh,
        stub_for(dh) as stub,
    ):
        stream = stub.WatchPeers(discovery_pb2.WatchPeersRequest(kinds=[JOINED, LEFT]))
        await asyncio.sleep(0.2)  # the subscription is in place
        victim = swarm.nodes[0]
        host, port = victim.address
        await stub.RegisterNode(
            discovery_pb2.RegisterNodeRequest(host=host, port=port, service="test"), timeout=5
        )
        joined = await asyncio.wait_for(stream.read(), 2)
        assert joined.kind == JOINED and joined.peer.node_id == victim.node_id
        killed_at = time.monotonic()
        await swarm.kill(0.5, spare=[swarm.nodes[1]])
        left = await asyncio.wait_for(stream.read(), budget_s + 1)
        assert left.kind == LEFT and left.peer.port == port
        assert time.monotonic() - killed_at <= budget_s
        stream.cancel()


async def test_watch_include_current_sends_live_peers_first(tmp_path: Path) -> None:
    """include_current starts the stream with one JOINED per live peer."""
    settings = fast_settings(tmp_path)
    async with (
        dht_nodes(settings, 2) as swarm,
        discovery_host(settings) as dh,
        stub_for(dh) as stub,
    ):
        for node in swarm.nodes:
            await stub.RegisterNode(
                discovery_pb2.RegisterNodeRequest(host=node.address[0], port=node.address[1]),
                timeout=5,
            )
        stream = stub.WatchPeers(discovery_pb2.WatchPeersRequest(include_current=True))
        got = [await asyncio.wait_for(stream.read(), 2) for _ in swarm.nodes]
        assert {e.kind for e in got} == {JOINED}
        assert {e.peer.node_id for e in got} == {n.node_id for n in swarm.nodes}
        stream.cancel()
