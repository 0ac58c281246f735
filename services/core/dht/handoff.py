"""Hand-off of held records to newly seen nodes, rate-limited and batched.

Kademlia (paper, section 2.5) has a node send a newcomer the records the
newcomer should now hold. The package does it in ``welcome_if_new`` with
the key hashed a second time (so it picks the wrong keys) and pushes every
value at once (a joining node was flooded with hundreds of STOREs). Here:

- the decision uses the key as stored: a record goes to the newcomer when
  the newcomer is among the k closest known nodes to the key and this node
  is closer to the key than any other known node (so exactly one current
  holder hands each record off);
- newcomers wait in a bounded queue; records go out in small batches at
  most ``handoff_rate_per_s`` per second, and the key scan yields to the
  event loop regularly.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from kademlia.node import Node

from services.core.dht.constants import HANDOFF_BATCH, HANDOFF_QUEUE_MAX, HANDOFF_SCAN_CHUNK
from services.core.dht.protocol import DhtProtocol
from services.core.records.policy import RecordInfo


def should_hand_off(protocol: DhtProtocol, newcomer: Node, key: bytes, ksize: int) -> bool:
    """True when this node should send its records of ``key`` to ``newcomer``."""
    keynode = Node(key)
    others = [
        n for n in protocol.router.find_neighbors(keynode, k=ksize + 1) if n.id != newcomer.id
    ][:ksize]
    if not others:
        return True
    new_close = len(others) < ksize or newcomer.distance_to(keynode) < others[-1].distance_to(
        keynode
    )
    this_closest = protocol.source_node.distance_to(keynode) < others[0].distance_to(keynode)
    return bool(new_close and this_closest)


class HandOff:
    """Queue of newcomers and the worker that feeds them their records."""

    def __init__(self, protocol: DhtProtocol, ksize: int, rate_per_s: float) -> None:
        self._protocol = protocol
        self._ksize = ksize
        self._pause = HANDOFF_BATCH / rate_per_s
        self._queue: OrderedDict[bytes, Node] = OrderedDict()
        self._wake = asyncio.Event()

    def offer(self, node: Node) -> None:
        """Queue ``node`` for a hand-off pass (oldest dropped past the bound)."""
        self._queue.pop(node.id, None)
        self._queue[node.id] = node
        while len(self._queue) > HANDOFF_QUEUE_MAX:
            self._queue.popitem(last=False)
        self._wake.set()

    @property
    def pending(self) -> int:
        return len(self._queue)

    async def run(self) -> None:
        """Serve the queue until cancelled."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                _, node = self._queue.popitem(last=False)
                await self._serve(node)

    async def _serve(self, node: Node) -> None:
        store = self._protocol.storage
        batch: list[RecordInfo] = []
        for i, key in enumerate(store.keys()):
            if i and i % HANDOFF_SCAN_CHUNK == 0:
                await asyncio.sleep(0)
            if not self._protocol.router.contains(node.id):
                return  # the newcomer left the table meanwhile
            if should_hand_off(self._protocol, node, key, self._ksize):
                batch.extend(store.records_for(key))
            if len(batch) >= HANDOFF_BATCH:
                await self._send(node, batch)
                batch = []
        if batch:
            await self._send(node, batch)

    async def _send(self, node: Node, batch: list[RecordInfo]) -> None:
        protocol = self._protocol
        sends = [
            protocol.call_add_provider(node, info.dht_key, info.raw)
            if info.multi
            else protocol.call_store(node, info.dht_key, info.raw)
            for info in batch
        ]
        await asyncio.gather(*sends)
        protocol.counters.handoffs_sent += len(batch)
        await asyncio.sleep(self._pause * len(batch) / HANDOFF_BATCH)
