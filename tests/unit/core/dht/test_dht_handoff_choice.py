"""Hand-off choice (behaviour 5): records go to a newcomer among the k closest to
the key as stored, and only from the holder closest to the key."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from kademlia.node import Node
from kademlia.utils import digest

from services.core.dht.handoff import hand_off_targets
from services.core.dht.routing import HardenedRoutingTable

KEY = bytes(19) + b"\x01"  # a key near id 0


def _id(n: int) -> bytes:
    return n.to_bytes(20, "big")


def _protocol(own: int, others: list[int], ksize: int = 3) -> Any:
    me = Node(_id(own))
    table = HardenedRoutingTable(
        None,
        ksize,
        me,
        ping_head=lambda _: None,
        ip_diversity=False,
        max_per_subnet=2,
        lonely_after_s=3600,
    )
    for i, n in enumerate(others):
        table.add_contact(Node(_id(n), "127.0.0.1", 2000 + i))
    return SimpleNamespace(router=table, source_node=me)


def test_closest_holder_hands_off_to_a_closer_newcomer() -> None:
    """This node is closest to the key; a newcomer inside the k closest gets it."""
    proto = _protocol(own=0x10, others=[1 << 100, 1 << 120, 1 << 140, 1 << 150])
    newcomer = Node(_id(0x02), "127.0.0.1", 9)
    proto.router.add_contact(newcomer)
    assert hand_off_targets(proto, [newcomer], KEY, 3) == [newcomer]


def test_far_newcomer_gets_nothing() -> None:
    """A newcomer farther from the key than the k-th closest known gets nothing."""
    proto = _protocol(own=0x10, others=[1 << 100, 1 << 120, 1 << 140])
    newcomer = Node(_id(1 << 159), "127.0.0.1", 9)
    proto.router.add_contact(newcomer)
    assert hand_off_targets(proto, [newcomer], KEY, 3) == []


def test_only_the_closest_holder_hands_off() -> None:
    """A holder with a known node closer to the key leaves the hand-off to it."""
    proto = _protocol(own=1 << 100, others=[0x10, 1 << 120, 1 << 140])
    newcomer = Node(_id(0x02), "127.0.0.1", 9)
    proto.router.add_contact(newcomer)
    assert hand_off_targets(proto, [newcomer], KEY, 3) == []


def test_the_package_would_judge_a_rehashed_key() -> None:
    """The package builds Node(digest(key)), a different point of the id space:
    with a node sitting next to that point, the package's rule would skip a
    hand-off that the record's real neighbourhood calls for."""
    rehashed = int.from_bytes(digest(KEY), "big")
    proto = _protocol(own=0x10, others=[1 << 100, 1 << 120, rehashed ^ 1])
    newcomer = Node(_id(0x02), "127.0.0.1", 9)
    proto.router.add_contact(newcomer)
    assert hand_off_targets(proto, [newcomer], KEY, 3) == [newcomer]
    assert hand_off_targets(proto, [newcomer], digest(KEY), 3) == []
