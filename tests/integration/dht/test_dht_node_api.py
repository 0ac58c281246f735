"""DhtNode on real UDP (127.0.0.1): put/get/providers, success counting
(behaviour 1), no peers / dead peers (behaviour 2), bootstrap costs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from kademlia.network import Server
from kademlia.node import Node

from services.core.dht.config import DhtConfig
from services.core.dht.jsonrecords import JsonRecordPolicy, JsonSigner, json_dht_key
from services.core.dht.node import DhtNode
from services.core.dht.swarm import Swarm
from services.core.dht.wire import REQUEST, decode_datagram
from services.core.errors import InvalidArgument, InvalidRecord, SeqConflict

FAST = DhtConfig(rpc_timeout_s=0.5)


@pytest.fixture
async def swarm(policy: JsonRecordPolicy) -> AsyncIterator[Swarm]:
    sw = Swarm(policy, template=FAST)
    try:
        await sw.start(12)
        yield sw
    finally:
        await sw.stop()


async def test_put_then_get_from_another_node(swarm: Swarm, signer: JsonSigner) -> None:
    """A put reaches k holders (counted) and any node reads it back."""
    raw = signer.make("handle", "alice", "v1", 1)
    holders = await swarm.nodes[0].put(raw)
    assert holders >= 10
    assert await swarm.nodes[7].get(json_dht_key("handle", "alice")) == raw
    assert await swarm.nodes[7].get(json_dht_key("handle", "nobody")) is None


async def test_newer_record_wins_and_local_conflict_is_reported(
    swarm: Swarm, signer: JsonSigner
) -> None:
    """seq 2 replaces seq 1 everywhere; re-putting seq 1 on a holder raises SeqConflict."""
    key = json_dht_key("handle", "bob")
    await swarm.nodes[0].put(signer.make("handle", "bob", "old", 1))
    new = signer.make("handle", "bob", "new", 2)
    await swarm.nodes[1].put(new)
    assert await swarm.nodes[5].get(key) == new
    with pytest.raises(SeqConflict):
        await swarm.nodes[1].put(signer.make("handle", "bob", "older", 1))


async def test_invalid_record_is_refused_locally(swarm: Swarm) -> None:
    """A local write is validated like any other: a forged record raises InvalidRecord."""
    mallory = JsonSigner()
    with pytest.raises(InvalidRecord):
        await swarm.nodes[0].put(mallory.make("handle", "alice", "x", 1))
    with pytest.raises(InvalidRecord):
        await swarm.nodes[0].put(b"[1, 2]", dht_key=b"k" * 20)


async def test_providers_set_semantics_across_nodes(swarm: Swarm, policy: JsonRecordPolicy) -> None:
    """Many providers per key, one per signer (higher seq wins), merged from holders."""
    providers = [JsonSigner() for _ in range(4)]
    for p in providers:
        policy.trust(p)
    for i, p in enumerate(providers):
        assert await swarm.nodes[i].add_provider(p.make("provider", "blob", f"a{i}", 1)) > 0
    updated = providers[0].make("provider", "blob", "a0-new", 2)
    await swarm.nodes[9].add_provider(updated)
    found = await swarm.nodes[11].get_providers(json_dht_key("provider", "blob"), limit=10)
    assert len(found) == 4
    assert updated in found
    assert len(await swarm.nodes[11].get_providers(json_dht_key("provider", "blob"), 2)) == 2


async def test_put_counts_real_successes_not_replies(signer: JsonSigner) -> None:
    """Peers that refuse every store make put() return 0 (the package's set()
    returns True whenever a reply came: any() over (ok, value) tuples)."""
    trusting = JsonRecordPolicy([signer])
    sceptic = JsonRecordPolicy([])  # refuses every record
    sw = Swarm(sceptic, template=FAST)
    client = DhtNode(FAST, trusting)
    bare = Server()
    try:
        await sw.start(5)
        await client.start()
        await client.bootstrap([sw.nodes[0].address])
        raw = signer.make("handle", "carol", "v", 1)
        assert await client.put(raw) == 0
        assert client.stats()["stores_accepted"] == 0

        await bare.listen(0, interface="127.0.0.1")
        bare.protocol._wait_timeout = 0.5
        await bare.bootstrap([sw.nodes[0].address])
        assert await bare.set_digest(json_dht_key("handle", "carol"), raw) is True  # miscounted
    finally:
        bare.stop()
        await client.stop()
        await sw.stop()


async def test_put_with_no_peers_stores_locally_and_returns_zero(
    policy: JsonRecordPolicy, signer: JsonSigner
) -> None:
    """Alone, put() keeps the record locally and returns 0 (the package returns
    False and stores nothing)."""
    node = DhtNode(FAST, policy)
    try:
        await node.start()
        raw = signer.make("handle", "solo", "v", 1)
        assert await node.put(raw) == 0
        assert await node.get(json_dht_key("handle", "solo")) == raw
    finally:
        await node.stop()


async def test_put_with_only_dead_neighbours_returns_zero_quickly(
    policy: JsonRecordPolicy, signer: JsonSigner
) -> None:
    """With only dead neighbours put() returns 0 within about one RPC timeout;
    the package raises ValueError: max() arg is an empty sequence."""
    node = DhtNode(FAST, policy)
    bare = Server()
    try:
        await node.start()
        dead = Node(b"d" * 20, "127.0.0.1", 9)  # discard port: nobody answers
        node.protocol.router.add_contact(dead)  # type: ignore[union-attr]
        raw = signer.make("handle", "lonely", "v", 1)
        t0 = time.monotonic()
        assert await node.put(raw) == 0
        assert time.monotonic() - t0 < FAST.rpc_timeout_s + 0.3

        await bare.listen(0, interface="127.0.0.1")
        bare.protocol._wait_timeout = 0.3
        bare.protocol.router.add_contact(dead)
        with pytest.raises(ValueError, match="max"):
            await bare.set("lonely", "v")
    finally:
        bare.stop()
        await node.stop()


async def test_bootstrap_dead_addresses_cost_one_timeout_concurrently(
    policy: JsonRecordPolicy,
) -> None:
    """Ten dead bootstrap addresses cost about one RPC timeout in total, not ten."""
    node = DhtNode(FAST, policy)
    try:
        await node.start()
        t0 = time.monotonic()
        assert await node.bootstrap([("127.0.0.1", 9)] * 10) == []
        assert time.monotonic() - t0 < FAST.rpc_timeout_s + 0.3
        with pytest.raises(InvalidArgument, match="IP literal"):
            await node.bootstrap([("localhost", 8468)])
    finally:
        await node.stop()


async def test_introspection(swarm: Swarm) -> None:
    """Node id, address, neighbours, bucket and replacement sizes, counters."""
    node = swarm.nodes[3]
    assert len(node.node_id) == 20
    assert node.address[0] == "127.0.0.1"
    assert len(node.neighbours()) >= 5
    stats = node.routing_stats()
    assert sum(stats["buckets"]) == len(node.neighbours())
    assert len(stats["replacements"]) == len(stats["buckets"])
    counters = node.stats()
    for name in ("lookups", "stores_sent", "records_held", "rpc_failures", "rejected_datagrams"):
        assert name in counters


async def test_stop_cancels_every_task(policy: JsonRecordPolicy) -> None:
    """After stop() no task created by the node is left running."""
    before = set(asyncio.all_tasks())
    node = DhtNode(FAST, policy)
    await node.start()
    await node.stop()
    await asyncio.sleep(0)
    left = [t for t in asyncio.all_tasks() - before if not t.done()]
    assert left == []


class _LoseFirstStores:
    """The sending side of a node's UDP transport, losing its first ``count``
    STORE requests (as a stalled loop or a lossy link would); all else passes."""

    def __init__(self, inner: asyncio.DatagramTransport, count: int) -> None:
        self._inner = inner
        self.left = count

    def sendto(self, data: bytes, addr: Any = None) -> None:
        dgram = decode_datagram(data)
        is_store = dgram is not None and dgram.kind == REQUEST and dgram.body[:1] == ["store"]
        if is_store and self.left > 0:
            self.left -= 1
            return
        self._inner.sendto(data, addr)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


async def test_a_put_whose_stores_are_all_lost_tries_once_more(
    policy: JsonRecordPolicy, signer: JsonSigner
) -> None:
    """Every STORE of a put's first round is lost (the holders time out and
    leave the routing table): the put looks the key up again, stores on the
    holders it finds, and reports them; the record is then readable
    elsewhere."""
    sw = Swarm(policy, template=DhtConfig(rpc_timeout_s=0.3, ksize=4), seed=3)
    try:
        await sw.start(12)
        writer = sw.nodes[0]
        assert writer.protocol is not None and writer.protocol.transport is not None
        lossy = _LoseFirstStores(writer.protocol.transport, count=4)
        writer.protocol.transport = lossy
        raw = signer.make("handle", "lossy", "v1", 1)
        assert await writer.put(raw) >= 1
        assert lossy.left == 0
        assert writer.protocol.counters.replications_retried == 1
        assert await sw.nodes[5].get(json_dht_key("handle", "lossy")) == raw
    finally:
        await sw.stop()
