"""The routing table with the package's bucket logic fixed and guarded.

- ``get_bucket_for`` uses the inclusive upper bound (the package compares
  with ``<``, so an id equal to a bucket's upper bound lands one bucket to
  the right, and ids in the last bucket fall through to None).
- ``is_new_node`` also looks at the replacement cache: a node parked there
  is not "new" again on each contact, which stopped the store/ping storm.
- A full bucket pings its head at most once per cooldown.
- An optional IP-diversity limit caps nodes of one /24 or /48 per bucket.
- Only well-formed node ids (20 bytes) are ever added.
- ``find_neighbors`` returns the k truly closest nodes (the package walks
  buckets outward from the target's and stops at the first k it meets,
  which need not be the closest).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from kademlia.node import Node
from kademlia.routing import KBucket, RoutingTable

from services.core.dht.constants import BUCKET_PING_COOLDOWN_S
from services.core.dht.wire import subnet_of, valid_node_id


def _first(item: tuple[int, Node]) -> int:
    return item[0]


class HardenedRoutingTable(RoutingTable):  # type: ignore[misc]
    """``RoutingTable`` of the package, fixed; see the module docstring."""

    def __init__(
        self,
        protocol: Any,
        ksize: int,
        node: Node,
        *,
        ping_head: Callable[[Node], None],
        ip_diversity: bool,
        max_per_subnet: int,
        lonely_after_s: float,
    ) -> None:
        self._ping_head = ping_head
        self._ip_diversity = ip_diversity
        self._max_per_subnet = max_per_subnet
        self._lonely_after_s = lonely_after_s
        self._last_head_ping: dict[tuple[int, int], float] = {}
        self.diversity_rejections = 0
        super().__init__(protocol, ksize, node)

    def flush(self) -> None:
        self.buckets = [KBucket(0, 2**160 - 1, self.ksize)]

    def get_bucket_for(self, node: Node) -> int:
        """Index of the bucket whose inclusive range holds ``node``."""
        long_id = node.long_id
        for index, bucket in enumerate(self.buckets):
            if long_id <= bucket.range[1]:
                return index
        return len(self.buckets) - 1

    def is_new_node(self, node: Node) -> bool:
        bucket = self.buckets[self.get_bucket_for(node)]
        return node.id not in bucket.nodes and node.id not in bucket.replacement_nodes

    def contains(self, node_id: bytes) -> bool:
        bucket = self.buckets[self.get_bucket_for(Node(node_id))]
        return node_id in bucket.nodes

    def lonely_buckets(self) -> list[KBucket]:
        cutoff = time.monotonic() - self._lonely_after_s
        return [b for b in self.buckets if b.last_updated < cutoff]

    def add_contact(self, node: Node) -> None:
        if not valid_node_id(node.id) or node.id == self.node.id:
            return
        index = self.get_bucket_for(node)
        bucket = self.buckets[index]
        if self._ip_diversity and node.id not in bucket.nodes and node.ip is not None:
            subnet = subnet_of(node.ip)
            same = sum(
                1 for n in bucket.nodes.values() if n.ip is not None and subnet_of(n.ip) == subnet
            )
            if same >= self._max_per_subnet:
                self.diversity_rejections += 1
                return
        if bucket.add_node(node):
            return
        if bucket.has_in_range(self.node) or bucket.depth() % 5 != 0:
            self.split_bucket(index)
            self.add_contact(node)
            return
        key = bucket.range
        now = time.monotonic()
        if now - self._last_head_ping.get(key, -1e9) >= BUCKET_PING_COOLDOWN_S:
            self._last_head_ping[key] = now
            self._ping_head(bucket.head())

    def find_neighbors(
        self, node: Node, k: int | None = None, exclude: Node | None = None
    ) -> list[Node]:
        """The ``k`` (default ksize) known nodes closest to ``node``, nearest
        first, never ``node`` itself nor a node at ``exclude``'s address.

        Buckets are aligned power-of-two blocks of the id space, so the
        nearest any id in a block can be is the XOR distance with the block's
        low bits cleared: buckets are visited in that order, and the walk
        stops once k nodes are held and no later bucket can beat the k-th.
        """
        k = k or self.ksize
        target = node.long_id
        skip = (exclude.ip, exclude.port) if exclude is not None else None
        blocks = sorted(
            ((b.range[0] ^ target) & ~(b.range[1] - b.range[0]), i)
            for i, b in enumerate(self.buckets)
        )
        found: list[tuple[int, Node]] = []
        for floor, index in blocks:
            if len(found) >= k and floor > found[k - 1][0]:
                break
            for n in self.buckets[index].nodes.values():
                if n.id != node.id and (skip is None or (n.ip, n.port) != skip):
                    found.append((n.long_id ^ target, n))
            found.sort(key=_first)
        return [n for _, n in found[:k]]

    def bucket_sizes(self) -> list[int]:
        return [len(b) for b in self.buckets]

    def replacement_sizes(self) -> list[int]:
        return [len(b.replacement_nodes) for b in self.buckets]

    def all_nodes(self) -> list[Node]:
        return [n for b in self.buckets for n in b.nodes.values()]
