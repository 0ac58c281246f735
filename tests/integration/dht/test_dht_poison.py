"""Inbound STOREs go through the policy (behaviour 3): poisoned values are never
stored and never crash a reader; selection is by policy, never by majority."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from kademlia.network import Server
from kademlia.node import Node

from services.core.dht.adversary import RawPeer
from services.core.dht.config import DhtConfig
from services.core.dht.jsonrecords import JsonRecordPolicy, JsonSigner, json_dht_key
from services.core.dht.swarm import Swarm

FAST = DhtConfig(rpc_timeout_s=0.5)
KEY = json_dht_key("handle", "alice")


@pytest.fixture
async def swarm(signer: JsonSigner) -> AsyncIterator[Swarm]:
    sw = Swarm(JsonRecordPolicy([signer]), template=FAST)
    try:
        await sw.start(6)
        yield sw
    finally:
        await sw.stop()


async def test_raw_poison_stores_are_refused_and_readers_unharmed(
    swarm: Swarm, raw: RawPeer, signer: JsonSigner
) -> None:
    """Raw STOREs of [1, 2], {"a": 1}, junk bytes and a forged record are refused
    by every node; a later honest get returns the honest record."""
    mallory = JsonSigner()
    poisons: list[object] = [
        [1, 2],
        {"a": 1},
        b"junk",
        mallory.make("handle", "alice", "evil", 99),
        7,
    ]
    for node in swarm.nodes:
        for poison in poisons:
            raw.request(node.address, "store", [b"r" * 20, KEY, poison])
            assert await raw.reply() is False
    for node in swarm.nodes:
        assert node.storage.get(KEY) is None
        assert node.stats()["stores_refused"] >= len(poisons)
    honest = signer.make("handle", "alice", "good", 1)
    await swarm.nodes[0].put(honest)
    assert await swarm.nodes[5].get(KEY) == honest


async def test_package_reader_crashes_on_unhashable_values() -> None:
    """The bare package stores [1, 2] and then its get() raises TypeError
    (Counter over unhashable values): the behaviour the wrapper removes."""
    a, b = Server(), Server()
    peer = await RawPeer.open()
    try:
        await a.listen(0, interface="127.0.0.1")
        await b.listen(0, interface="127.0.0.1")
        b_addr = b.transport.get_extra_info("sockname")[:2]
        a_addr = a.transport.get_extra_info("sockname")[:2]
        await a.bootstrap([b_addr])
        for addr in (a_addr, b_addr):
            peer.request(addr, "store", [b"r" * 20, KEY, [1, 2]])
            assert await peer.reply() is True
        c = Server()
        await c.listen(0, interface="127.0.0.1")
        try:
            c.protocol._wait_timeout = 0.5
            await c.bootstrap([a_addr])
            with pytest.raises(TypeError, match="unhashable"):
                await _bare_get(c)
        finally:
            c.stop()
    finally:
        peer.close()
        a.stop()
        b.stop()


async def _bare_get(server: Server) -> object:
    from kademlia.crawling import ValueSpiderCrawl
    from kademlia.node import Node

    node = Node(KEY)
    nearest = server.protocol.router.find_neighbors(node)
    crawl = ValueSpiderCrawl(server.protocol, node, nearest, server.ksize, server.alpha)
    return await crawl.find()


async def test_stale_majority_loses_to_higher_seq_and_is_repaired(signer: JsonSigner) -> None:
    """Two of three holders have seq 1, one has seq 2: get returns seq 2 (policy,
    not the package's Counter vote) and pushes it back to both stale holders."""
    policy = JsonRecordPolicy([signer])
    swarm = Swarm(policy, template=FAST)
    try:
        await swarm.start(4)
        reader, holders = swarm.nodes[0], swarm.nodes[1:]
        old = signer.make("handle", "alice", "old", 1)
        new = signer.make("handle", "alice", "new", 2)
        for node in holders[:-1]:
            node.storage.put_single(policy.check(KEY, old, _now()), mine=False)
        holders[-1].storage.put_single(policy.check(KEY, new, _now()), mine=False)
        assert await reader.get(KEY) == new
        await _settle()
        assert [n.storage.get(KEY) for n in holders] == [new, new, new]
    finally:
        await swarm.stop()


async def test_forged_and_stale_values_from_holders_are_dropped_on_read(
    swarm: Swarm, signer: JsonSigner
) -> None:
    """Holders whose stores were tampered with (forged bytes, higher seq) are
    ignored on read: the valid record is returned, the forgeries counted."""
    good = signer.make("handle", "alice", "good", 3)
    for node in swarm.nodes[1:]:
        node.storage.put_single(swarm.policy.check(KEY, good, _now()), mine=False)
    # Tamper with three holders' copies on disk, bypassing validation.
    forged = JsonSigner(signer=signer.signer).make("handle", "alice", "evil", 9)
    for victim in swarm.nodes[1:4]:
        victim.storage._db.execute("UPDATE records SET raw = ?, seq = 9", (forged,))
    assert await swarm.nodes[0].get(KEY) == good
    assert swarm.nodes[0].stats()["invalid_values_seen"] >= 1


def _now() -> int:
    from services.core.dht.store import now_us

    return now_us()


async def _settle() -> None:
    import asyncio

    await asyncio.sleep(0.2)


async def test_a_store_far_outside_the_nodes_neighbourhood_is_refused(
    raw: RawPeer, signer: JsonSigner
) -> None:
    """In a 120-node swarm a node takes a STORE of a new key only when the key
    lies within twice its own neighbourhood radius (the distance to its k-th
    closest known node): a key in the other half of the id space is refused
    even when the node knows fewer than k nodes closer to it; a key within
    its radius is taken."""
    sw = Swarm(JsonRecordPolicy([signer]), template=FAST, seed=5)
    try:
        await sw.start(120)
        node = sw.nodes[0]
        assert node.protocol is not None
        radius = node.protocol._radius()
        assert radius is not None
        own = int.from_bytes(node.node_id, "big")
        names = [f"n{i}" for i in range(400)]
        dist = {n: own ^ int.from_bytes(json_dht_key("handle", n), "big") for n in names}
        near = min(names, key=dist.__getitem__)
        # Forget all but 5 nodes of the other half of the id space: by
        # counting alone the node then thinks itself among the 20 closest of
        # some keys there.
        router = node.protocol.router
        while len(other := [n for n in router.all_nodes() if n.long_id ^ own >= 1 << 159]) > 5:
            router.remove_contact(other[-1])  # replacements move in until none are left

        def closer(name: str) -> int:
            target = Node(json_dht_key("handle", name))
            return sum(
                1 for n in router.find_neighbors(target) if n.distance_to(target) < dist[name]
            )

        far = min((n for n in names if dist[n] >= 1 << 159), key=closer)
        assert closer(far) < 20
        assert dist[near] < radius < dist[far] // 2
        for name, taken in ((far, False), (near, True)):
            record = signer.make("handle", name, "v", 1)
            raw.request(node.address, "store", [b"r" * 20, json_dht_key("handle", name), record])
            assert await raw.reply() is taken
            assert (node.storage.get(json_dht_key("handle", name)) == record) is taken
    finally:
        await sw.stop()
