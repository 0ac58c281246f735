"""A table of bad inputs for every DiscoveryService RPC: each gets the right
status code and a message, and changes nothing (no peer stored, no event)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import pytest

from ipndht.v1 import common_pb2
from ipndht.v1 import discovery_pb2 as d
from tests.support.discovery_harness import dht_nodes, discovery_host, fast_settings, stub_for

IA = grpc.StatusCode.INVALID_ARGUMENT
NF = grpc.StatusCode.NOT_FOUND

#: (name, rpc, request builder given (good peer address, own DHT address), code)
Case = tuple[str, str, Callable[[tuple[str, int], tuple[str, int]], Any], grpc.StatusCode]


LIVE = common_pb2.PEER_STATE_LIVE


def _raw(cls: Any, **fields: Any) -> Any:
    """A request with enum fields set to raw numbers (unknown values included)."""
    return cls(**fields)


def _pa(host: str, port: int) -> d.PeerAddress:
    return d.PeerAddress(host=host, port=port)


CASES: list[Case] = [
    ("list page_size over 1000", "ListPeers", lambda g, o: d.ListPeersRequest(page_size=1001), IA),
    ("list garbage token", "ListPeers", lambda g, o: d.ListPeersRequest(page_token="!!nope"), IA),
    ("list forged token", "ListPeers", lambda g, o: d.ListPeersRequest(page_token="A" * 60), IA),
    ("list huge token", "ListPeers", lambda g, o: d.ListPeersRequest(page_token="A" * 5000), IA),
    ("list unknown source", "ListPeers", lambda g, o: _raw(d.ListPeersRequest, sources=[99]), IA),
    ("list unspecified state", "ListPeers", lambda g, o: _raw(d.ListPeersRequest, states=[0]), IA),
    ("get nothing given", "GetPeer", lambda g, o: d.GetPeerRequest(), IA),
    ("get short node id", "GetPeer", lambda g, o: d.GetPeerRequest(node_id=b"12345"), IA),
    ("get host not an ip", "GetPeer", lambda g, o: d.GetPeerRequest(host="peer.test", port=1), IA),
    ("get port zero", "GetPeer", lambda g, o: d.GetPeerRequest(host="127.0.0.1", port=0), IA),
    (
        "get port too big",
        "GetPeer",
        lambda g, o: d.GetPeerRequest(host="127.0.0.1", port=70000),
        IA,
    ),
    ("get unknown peer", "GetPeer", lambda g, o: d.GetPeerRequest(host="127.0.0.1", port=9), NF),
    ("get unknown id", "GetPeer", lambda g, o: d.GetPeerRequest(node_id=bytes(20)), NF),
    ("add empty list", "AddPeers", lambda g, o: d.AddPeersRequest(), IA),
    ("add 65 peers", "AddPeers", lambda g, o: d.AddPeersRequest(peers=[_pa(*g)] * 65), IA),
    (
        "add one garbage host among good",
        "AddPeers",
        lambda g, o: d.AddPeersRequest(peers=[_pa(*g), _pa("bad_host!", 4000)]),
        IA,
    ),
    (
        "add port out of range",
        "AddPeers",
        lambda g, o: d.AddPeersRequest(peers=[_pa(*g), _pa("127.0.0.1", 65536)]),
        IA,
    ),
    ("add port zero", "AddPeers", lambda g, o: d.AddPeersRequest(peers=[_pa("127.0.0.1", 0)]), IA),
    ("add empty host", "AddPeers", lambda g, o: d.AddPeersRequest(peers=[_pa("", 4000)]), IA),
    (
        "add host over 253 bytes",
        "AddPeers",
        lambda g, o: d.AddPeersRequest(peers=[_pa("a" * 60 + "." + "b" * 200, 4000)]),
        IA,
    ),
    (
        "add dotted garbage",
        "AddPeers",
        lambda g, o: d.AddPeersRequest(peers=[_pa("999.1.1.1", 1)]),
        IA,
    ),
    (
        "add unspecified ip",
        "AddPeers",
        lambda g, o: d.AddPeersRequest(peers=[_pa("0.0.0.0", 1)]),
        IA,
    ),
    (
        "add multicast ip",
        "AddPeers",
        lambda g, o: d.AddPeersRequest(peers=[_pa("224.0.0.1", 1)]),
        IA,
    ),
    ("add own address", "AddPeers", lambda g, o: d.AddPeersRequest(peers=[_pa(*g), _pa(*o)]), IA),
    ("watch unknown kind", "WatchPeers", lambda g, o: _raw(d.WatchPeersRequest, kinds=[7]), IA),
    (
        "bootstrap peers limit over 256",
        "GetBootstrapPeers",
        lambda g, o: d.GetBootstrapPeersRequest(limit=257),
        IA,
    ),
    (
        "register host name",
        "RegisterNode",
        lambda g, o: d.RegisterNodeRequest(host="peer.test", port=g[1]),
        IA,
    ),
    (
        "register port zero",
        "RegisterNode",
        lambda g, o: d.RegisterNodeRequest(host=g[0], port=0),
        IA,
    ),
    (
        "register short node id",
        "RegisterNode",
        lambda g, o: d.RegisterNodeRequest(host=g[0], port=g[1], node_id=b"abc"),
        IA,
    ),
    (
        "register long service name",
        "RegisterNode",
        lambda g, o: d.RegisterNodeRequest(host=g[0], port=g[1], service="s" * 65),
        IA,
    ),
    (
        "register own node",
        "RegisterNode",
        lambda g, o: d.RegisterNodeRequest(host=o[0], port=o[1]),
        IA,
    ),
]


async def test_every_bad_input_gets_its_code_and_changes_nothing(tmp_path: Path) -> None:
    """One discovery host, every case of CASES in turn (one host keeps it fast)."""
    settings = fast_settings(tmp_path)
    async with (
        dht_nodes(settings, 1) as swarm,
        discovery_host(settings) as dh,
        stub_for(dh) as stub,
    ):
        good = swarm.nodes[0].address
        own = dh.dht_address
        sub = dh.discovery.book.hub.subscribe()
        failures: list[str] = []
        for name, rpc, make, code in CASES:
            request = make(good, own)
            try:
                if rpc == "WatchPeers":
                    call = stub.WatchPeers(request, timeout=5)
                    await call.read()
                else:
                    await getattr(stub, rpc)(request, timeout=5)
                failures.append(f"{name}: no error")
                continue
            except grpc.aio.AioRpcError as err:
                if err.code() != code:
                    failures.append(f"{name}: {err.code().name} ({err.details()})")
                elif not err.details() or "internal" in err.details():
                    failures.append(f"{name}: unhelpful message {err.details()!r}")
            if len(dh.discovery.book) != 0 or not sub.queue.empty():
                failures.append(f"{name}: changed the peer book")
        assert failures == []


async def test_token_for_other_filters_is_refused(tmp_path: Path) -> None:
    """A real page token reused with other filters is INVALID_ARGUMENT."""
    settings = fast_settings(tmp_path)
    async with (
        dht_nodes(settings, 3) as swarm,
        discovery_host(settings) as dh,
        stub_for(dh) as stub,
    ):
        await stub.AddPeers(
            d.AddPeersRequest(peers=[_pa(*n.address) for n in swarm.nodes]), timeout=5
        )
        page = await stub.ListPeers(d.ListPeersRequest(page_size=1), timeout=5)
        assert page.next_page_token
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.ListPeers(
                d.ListPeersRequest(page_size=1, page_token=page.next_page_token, states=[LIVE]),
                timeout=5,
            )
        assert err.value.code() == IA and "filters" in (err.value.details() or "")
