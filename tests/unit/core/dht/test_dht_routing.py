"""Routing-table fixes: bucket lookup off-by-one (behaviour 9), replacement-cache
storm (behaviour 6), bad ids, IP diversity."""

from __future__ import annotations

import random

from kademlia.node import Node
from kademlia.routing import RoutingTable

from services.core.dht.routing import HardenedRoutingTable


def _id(n: int) -> bytes:
    return n.to_bytes(20, "big")


def _table(ksize: int = 2, diversity: bool = False) -> tuple[HardenedRoutingTable, list[Node]]:
    pinged: list[Node] = []
    table = HardenedRoutingTable(
        None,
        ksize,
        Node(_id(0)),
        ping_head=pinged.append,
        ip_diversity=diversity,
        max_per_subnet=2,
        lonely_after_s=3600,
    )
    return table, pinged


def test_bucket_for_id_equal_to_upper_bound_is_that_bucket() -> None:
    """After a split, the id equal to the first bucket's upper bound belongs to
    bucket 0; the package (``<`` against the bound) answers bucket 1."""
    table, _ = _table()
    table.split_bucket(0)
    upper = table.buckets[0].range[1]
    node = Node(_id(upper))
    assert table.buckets[0].has_in_range(node)
    assert table.get_bucket_for(node) == 0

    bare = RoutingTable(None, 2, Node(_id(0)))
    bare.split_bucket(0)
    edge = Node(_id(bare.buckets[0].range[1]))
    assert bare.buckets[0].has_in_range(edge)
    assert bare.get_bucket_for(edge) == 1  # the package's off-by-one


def test_highest_id_has_a_bucket() -> None:
    """The id 2**160-1 maps to the last bucket, never to None."""
    table, _ = _table()
    table.split_bucket(0)
    assert table.get_bucket_for(Node(_id(2**160 - 1))) == len(table.buckets) - 1


def _far(i: int) -> Node:
    """Ids sharing exactly the 5-bit prefix 10000 (depth 5: the bucket does not split)."""
    return Node(_id((0b10000 << 155) | ((i % 2) << 154) | i), "127.0.0.1", 1000 + i)


def test_node_in_replacement_cache_is_not_new() -> None:
    """A node parked in the replacement cache is not "new" on every contact (the
    package's is_new_node ignores the cache, which fed the store/ping storm)."""
    table, _ = _table(ksize=2)
    far = [_far(0), _far(1), _far(2)]
    table.add_contact(Node(_id(1), "127.0.0.1", 999))
    for node in far:
        table.add_contact(node)
    parked = far[2]
    bucket = table.buckets[table.get_bucket_for(parked)]
    assert parked.id in bucket.replacement_nodes
    assert not table.is_new_node(parked)

    bare = RoutingTable(None, 2, Node(_id(0)))
    bare.buckets = table.buckets
    assert bare.is_new_node(parked)  # the package calls it new again


def test_full_bucket_pings_its_head_at_most_once_per_cooldown() -> None:
    """Repeated contacts from parked nodes ping the head once, not once each."""
    table, pinged = _table(ksize=2)
    table.add_contact(Node(_id(1), "127.0.0.1", 999))
    for i in range(50):
        table.add_contact(_far(i))
    assert len(pinged) == 1


def test_malformed_ids_never_enter_the_table() -> None:
    """1-byte and 100-byte ids and our own id are ignored."""
    table, _ = _table()
    table.add_contact(Node(b"\x01", "127.0.0.1", 1))
    table.add_contact(Node(b"\x01" * 100, "127.0.0.1", 2))
    table.add_contact(Node(_id(0), "127.0.0.1", 3))
    assert table.all_nodes() == []


def test_ip_diversity_limits_nodes_per_subnet_per_bucket() -> None:
    """With diversity on, at most 2 nodes of one /24 per bucket; other subnets pass."""
    table, _ = _table(ksize=20, diversity=True)
    for i in range(10):
        table.add_contact(Node(_id((1 << 159) + i), "203.0.113.5", 1000 + i))
    table.add_contact(Node(_id((1 << 159) + 100), "198.51.100.7", 1))
    assert sum(table.bucket_sizes()) == 3
    assert table.diversity_rejections == 8


def test_ip_diversity_off_accepts_many_loopback_nodes() -> None:
    """Off (the loopback default), one address hosts many nodes."""
    table, _ = _table(ksize=20, diversity=False)
    for i in range(10):
        table.add_contact(Node(_id((1 << 159) + i), "127.0.0.1", 1000 + i))
    assert sum(table.bucket_sizes()) == 10


def test_find_neighbors_returns_the_k_closest_known_nodes_in_order() -> None:
    """Over a table of many split buckets, find_neighbors equals a brute-force
    sort by XOR distance, never returns the target itself, and skips the
    excluded address."""
    rng = random.Random(5)
    table = HardenedRoutingTable(
        None,
        4,
        Node(_id(rng.getrandbits(160))),
        ping_head=lambda _n: None,
        ip_diversity=False,
        max_per_subnet=2,
        lonely_after_s=3600,
    )
    for port in range(1, 400):
        table.add_contact(Node(_id(rng.getrandbits(160)), "127.0.0.1", port))
    known = table.all_nodes()
    assert len(table.buckets) > 4 and len(known) > 20
    for _ in range(300):
        target = Node(_id(rng.getrandbits(160)))
        want = sorted(known, key=lambda n: n.long_id ^ target.long_id)
        assert [n.id for n in table.find_neighbors(target, k=6)] == [n.id for n in want[:6]]
    member = known[0]
    got = table.find_neighbors(member, k=len(known))
    assert member.id not in [n.id for n in got] and len(got) == len(known) - 1
    got = table.find_neighbors(Node(_id(1)), k=len(known), exclude=member)
    assert (member.ip, member.port) not in [(n.ip, n.port) for n in got]
