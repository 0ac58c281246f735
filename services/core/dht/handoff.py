"""Hand-off of held records to newly seen nodes, rate-limited and batched.

Kademlia (paper, section 2.5) has a node send a newcomer the records the
newcomer should now hold. The package does it in ``welcome_if_new`` with
the key hashed a second time (so it picks the wrong keys) and pushes every
value at once (a joining node was flooded with hundreds of STOREs). Here:

- the decision uses the key as stored: a record goes to the newcomer when
  the newcomer is among the k closest known nodes to the key and this node
  is closer to the key than any other known node (so exactly one current
  holder hands each record off);
- newcomers wait in a bounded queue and are served together, one pass over
  the held keys per burst of newcomers; records go out in small batches at
  most ``handoff_rate_per_s`` per second, and the key scan yields to the
  event loop regularly.
"""

from __future__ import annotations

import asyncio
import random
from collections import OrderedDict

from kademlia.node import Node

from services.core.dht.constants import (
    HANDOFF_BATCH,
    HANDOFF_DEBOUNCE_S,
    HANDOFF_QUEUE_MAX,
    HANDOFF_SCAN_CHUNK,
)
from services.core.dht.protocol import DhtProtocol
from services.core.records.policy import RecordInfo

#: Jitter of background delays: a generator of its own, so a node never
#: moves the process's global random state (which callers may seed).
_JITTER = random.Random()


def hand_off_targets(
    protocol: DhtProtocol, newcomers: list[Node], key: bytes, ksize: int
) -> list[Node]:
    """Newcomers that should get this node's records of ``key``: this node is
    closer to the key than any other known node, and the newcomer is among the
    k closest known nodes (newcomers included). One routing-table walk serves
    every newcomer of a pass."""
    keynode = Node(key)
    fresh = {n.id for n in newcomers}
    mine = protocol.source_node.distance_to(keynode)
    # Buckets are aligned subtrees of the id space: any node in the key's own
    # bucket is closer to the key than every node outside it. So one scan of
    # that bucket settles "someone else is closer" for most keys, without
    # walking the table.
    router = protocol.router
    bucket = router.buckets[router.get_bucket_for(keynode)]
    near = [n.distance_to(keynode) for n in bucket.nodes.values() if n.id not in fresh]
    if near and min(near) < mine:
        return []
    known = router.find_neighbors(keynode, k=ksize + len(fresh))
    others = [n for n in known if n.id not in fresh]
    if others and mine >= others[0].distance_to(keynode):
        return []
    ranked = sorted([*others[:ksize], *newcomers], key=lambda n: n.distance_to(keynode))
    return [n for n in ranked[:ksize] if n.id in fresh]


class HandOff:
    """Queue of newcomers and the worker that feeds them their records.

    Newcomers seen within ``HANDOFF_DEBOUNCE_S`` of each other are served in
    one pass over the held keys, so a burst of discoveries (a lookup learns
    many nodes at once) costs one pass, not one per node.
    """

    def __init__(self, protocol: DhtProtocol, ksize: int, rate_per_s: float) -> None:
        self._protocol = protocol
        self._ksize = ksize
        self._pause = HANDOFF_BATCH / rate_per_s
        self._queue: OrderedDict[bytes, Node] = OrderedDict()
        self._wake = asyncio.Event()
        self._serving = False

    def offer(self, node: Node) -> None:
        """Queue ``node`` for a hand-off pass (oldest dropped past the bound)."""
        self._queue.pop(node.id, None)
        self._queue[node.id] = node
        while len(self._queue) > HANDOFF_QUEUE_MAX:
            self._queue.popitem(last=False)
        self._wake.set()

    @property
    def pending(self) -> int:
        """Newcomers queued, plus one while a pass is under way."""
        return len(self._queue) + int(self._serving)

    async def run(self) -> None:
        """Serve the queue until cancelled."""
        while True:
            await self._wake.wait()
            # Jitter de-synchronises the holders that all saw the same newcomer.
            await asyncio.sleep(HANDOFF_DEBOUNCE_S * (1 + _JITTER.random()))
            self._wake.clear()
            newcomers = list(self._queue.values())
            self._queue.clear()
            self._serving = True
            try:
                await self._serve(newcomers)
            finally:
                self._serving = False

    async def _serve(self, newcomers: list[Node]) -> None:
        store = self._protocol.storage
        router = self._protocol.router
        newcomers = [n for n in newcomers if router.contains(n.id)]
        if not newcomers or not len(store):
            return
        batch: list[tuple[Node, RecordInfo]] = []
        for i, key in enumerate(store.keys()):
            if i and i % HANDOFF_SCAN_CHUNK == 0:
                await asyncio.sleep(0)
            targets = hand_off_targets(self._protocol, newcomers, key, self._ksize)
            if targets:
                records = store.records_for(key)
                batch.extend((node, info) for node in targets for info in records)
            if len(batch) >= HANDOFF_BATCH:
                await self._send(batch)
                batch = []
        if batch:
            await self._send(batch)

    async def _send(self, batch: list[tuple[Node, RecordInfo]]) -> None:
        protocol = self._protocol
        sends = [
            protocol.call_add_provider(node, info.dht_key, info.raw)
            if info.multi
            else protocol.call_store(node, info.dht_key, info.raw)
            for node, info in batch
        ]
        await asyncio.gather(*sends)
        protocol.counters.handoffs_sent += len(batch)
        await asyncio.sleep(self._pause * len(batch) / HANDOFF_BATCH)
