"""DiscoveryService RPCs over real gRPC against a real DHT node and real peers."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from ipndht.v1 import common_pb2, discovery_pb2
from tests.support.discovery_harness import dht_nodes, discovery_host, fast_settings, stub_for
from tests.support.waiting import eventually

LIVE = common_pb2.PEER_STATE_LIVE


async def test_add_peers_pings_and_lists_them_best_first(tmp_path: Path) -> None:
    """AddPeers stores manual peers LIVE after their ping; ListPeers pages them."""
    settings = fast_settings(tmp_path)
    async with (
        dht_nodes(settings, 3) as swarm,
        discovery_host(settings) as dh,
        stub_for(dh) as stub,
    ):
        reply = await stub.AddPeers(
            discovery_pb2.AddPeersRequest(
                peers=[
                    discovery_pb2.PeerAddress(host=h, port=p)
                    for h, p in (n.address for n in swarm.nodes)
                ]
            ),
            timeout=5,
        )
        assert [p.state for p in reply.peers] == [LIVE] * 3
        assert all(p.source == common_pb2.PEER_SOURCE_MANUAL for p in reply.peers)
        assert {p.node_id for p in reply.peers} == {n.node_id for n in swarm.nodes}
        first = await stub.ListPeers(discovery_pb2.ListPeersRequest(page_size=2), timeout=5)
        assert first.total == 3 and len(first.peers) == 2 and first.next_page_token
        second = await stub.ListPeers(
            discovery_pb2.ListPeersRequest(page_size=2, page_token=first.next_page_token), timeout=5
        )
        assert len(second.peers) == 1 and not second.next_page_token
        scores = [p.score for p in [*first.peers, *second.peers]]
        assert scores == sorted(scores, reverse=True)
        one = await stub.GetPeer(
            discovery_pb2.GetPeerRequest(node_id=swarm.nodes[0].node_id), timeout=5
        )
        assert one.peer.port == swarm.nodes[0].address[1]
        status = await stub.GetStatus(discovery_pb2.GetStatusRequest(), timeout=5)
        assert status.live_peers == 3 and status.min_peers_met
        assert sum(b.size for b in status.buckets) >= 3
        boot = await stub.GetBootstrapPeers(discovery_pb2.GetBootstrapPeersRequest(), timeout=5)
        assert len(boot.peers) == 3


async def test_dead_peer_is_evicted_and_unknown_peer_is_not_found(tmp_path: Path) -> None:
    """A peer that stops answering is evicted after peer_max_failures pings."""
    settings = fast_settings(tmp_path)
    async with (
        dht_nodes(settings, 2) as swarm,
        discovery_host(settings) as dh,
        stub_for(dh) as stub,
    ):
        await stub.AddPeers(
            discovery_pb2.AddPeersRequest(
                peers=[
                    discovery_pb2.PeerAddress(host=h, port=p)
                    for h, p in (n.address for n in swarm.nodes)
                ]
            ),
            timeout=5,
        )
        victim = swarm.nodes[0]
        host, port = victim.address
        await swarm.kill(0.5, spare=[swarm.nodes[1]])
        assert await eventually(lambda: dh.discovery.book.get(host, port) is None, 10)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.GetPeer(discovery_pb2.GetPeerRequest(host=host, port=port), timeout=5)
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
