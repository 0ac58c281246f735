"""A network partition between groups of in-process DHT nodes.

``Partition`` wraps the UDP transport of each node it is given
(``DhtNode.protocol.transport``, through which the protocol sends every
request and reply) in a filter. While the partition is ``split``, a
datagram from a node of one side to an address of another side is dropped
before it reaches the socket, as a cut link would drop it; traffic within a
side, and every datagram once ``heal()`` is called, passes unchanged.
Addresses no side claims (clients, unknown peers) are never dropped.
"""

from __future__ import annotations

import asyncio
from typing import Any

from services.core.dht.node import DhtNode

Address = tuple[str, int]


class _FilteredTransport:
    """A datagram transport that asks the partition before each send."""

    def __init__(self, inner: asyncio.DatagramTransport, partition: Partition, side: str) -> None:
        self._inner = inner
        self._partition = partition
        self._side = side

    def sendto(self, data: bytes, addr: Any = None) -> None:
        if self._partition.blocks(self._side, addr):
            self._partition.dropped += 1
            return
        self._inner.sendto(data, addr)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class Partition:
    """Sides of nodes; ``split()`` cuts every link between sides, ``heal()`` restores them."""

    def __init__(self) -> None:
        self.sides: dict[Address, str] = {}
        self.active = False
        #: Datagrams dropped so far (a cut that drops nothing cut nothing).
        self.dropped = 0

    def attach(self, node: DhtNode, side: str) -> None:
        """Put a started ``node`` on ``side`` and filter what it sends."""
        proto = node.protocol
        if proto is None or proto.transport is None:
            raise RuntimeError("attach a started DhtNode")
        address = node.address
        self.sides[(address[0], address[1])] = side
        inner = proto.transport
        if isinstance(inner, _FilteredTransport):
            raise RuntimeError(f"node {address} is already attached")
        proto.transport = _FilteredTransport(inner, self, side)

    def blocks(self, side: str, addr: Any) -> bool:
        if not self.active or not isinstance(addr, tuple) or len(addr) < 2:
            return False
        other = self.sides.get((addr[0], addr[1]))
        return other is not None and other != side

    def split(self) -> None:
        self.active = True

    def heal(self) -> None:
        self.active = False

    def members(self, side: str) -> list[Address]:
        return [address for address, s in self.sides.items() if s == side]
