"""What discovery needs from its DHT node, behind one small interface.

``DhtNetwork`` adapts a started ``DhtNode`` through its public API and its
``.protocol``: a ping that measures the round trip and, on an answer, puts
the peer in the routing table; a join (the node's bootstrap: pings and a
self-lookup); removal of an evicted peer from the routing table.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Protocol

from kademlia.node import Node

from services.core.dht.node import DhtNode
from services.discovery import constants as k
from services.discovery import metrics
from services.discovery.model import Address


class Network(Protocol):
    @property
    def node_id(self) -> bytes: ...

    @property
    def address(self) -> Address: ...

    async def ping(self, address: Address) -> tuple[bytes, float] | None:
        """(node id, round trip in ms) when the peer answered, else None."""
        ...

    async def join(self, addresses: list[Address]) -> int:
        """Join through ``addresses`` (ping and self-lookup); nodes found."""
        ...

    def neighbours(self) -> list[tuple[bytes, str, int]]: ...

    def forget(self, node_id: bytes, address: Address) -> None: ...

    def buckets(self) -> list[tuple[int, int]]:
        """(size, replacements) per routing table bucket."""
        ...

    def counters(self) -> dict[str, int]: ...


class DhtNetwork:
    """``Network`` over a started DhtNode."""

    def __init__(self, node: DhtNode, service: str = "discovery") -> None:
        self.node = node
        self._latency = metrics.LOOKUP_LATENCY.labels(service)

    @property
    def node_id(self) -> bytes:
        return self.node.node_id

    @property
    def address(self) -> Address:
        return self.node.address

    async def ping(self, address: Address) -> tuple[bytes, float] | None:
        proto = self.node.protocol
        if proto is None:
            return None
        started = time.perf_counter()
        ok, data = await proto.ping(address, self.node.node_id)
        rtt_ms = (time.perf_counter() - started) * 1000
        if not ok or not isinstance(data, bytes) or len(data) != k.NODE_ID_BYTES:
            return None
        if data == self.node.node_id:
            return None
        proto.welcome_if_new(Node(data, address[0], address[1]))
        return data, rtt_ms

    async def join(self, addresses: list[Address]) -> int:
        if not addresses or self.node.protocol is None:
            return 0
        started = time.perf_counter()
        found = await self.node.bootstrap(addresses)
        self._latency.observe(time.perf_counter() - started)
        return len(found)

    def neighbours(self) -> list[tuple[bytes, str, int]]:
        return self.node.neighbours()

    def forget(self, node_id: bytes, address: Address) -> None:
        proto = self.node.protocol
        if proto is not None and len(node_id) == k.NODE_ID_BYTES:
            proto.router.remove_contact(Node(node_id, address[0], address[1]))

    def buckets(self) -> list[tuple[int, int]]:
        if self.node.protocol is None:
            return []
        stats: dict[str, Any] = self.node.routing_stats()
        return list(zip(stats["buckets"], stats["replacements"], strict=True))

    def counters(self) -> dict[str, int]:
        return self.node.stats()


async def gather_pings(
    network: Network, addresses: list[Address]
) -> list[tuple[Address, tuple[bytes, float] | None]]:
    """Ping every address concurrently (each bounded by the DHT RPC timeout)."""
    replies = await asyncio.gather(*(network.ping(a) for a in addresses))
    return list(zip(addresses, replies, strict=True))
