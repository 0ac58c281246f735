"""Freshness checks: a key newly taken from a STORE (or a signer's entry
newly taken into a provider set) is compared with its closest known
holders, and a newer version found there replaces it.

A STORE carries whatever version its sender has. A peer replaying a
superseded record (or an honest one that missed an update) can park the
old version on a node that is responsible for the key by its own view but
never received the newer one. Holders of a key always refuse older
versions, so only a node that did not hold the key is exposed: when such a
node accepts one, it runs a value lookup of the key from the nodes it
knows closest to it (the sender excluded) until ``FRESHNESS_FANOUT``
holders returned a valid record or one is better than its own
(forgeries, silence and answers without the key do not count; answers
without the key point closer to it; at most ``FRESHNESS_MAX_RPCS`` RPCs,
and the routing table is left as it is, so a check never sets off
hand-offs), and keeps a better one.

The checks are background work, off the STORE's reply path: queued
(bounded; an offer past the bound is dropped, the check is a repair, not
a guarantee), started one to two ``FRESHNESS_DELAY_S`` after the STORE so the
write that may carry a newer version has landed, and paced at most
``rate_per_s`` per second. A check that finds a newer version also stores
it on the asked holders that answered an older one (they took the same
replay).

Provider sets are checked the same way, one signer at a time: a node that
newly takes a signer's record into a key's set asks the closest holders
for the set with that signer first (get_providers' optional ``first``
argument, so the record is in the reply however large the set), and keeps
a better version of that signer's record; a replayed announcement cannot
outlive the withdrawal that superseded it.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from typing import Any

from kademlia.node import Node

from services.core.dht.constants import (
    FRESHNESS_DELAY_S,
    FRESHNESS_FANOUT,
    FRESHNESS_MAX_RPCS,
    FRESHNESS_QUEUE_MAX,
)
from services.core.dht.lookup import Lookup
from services.core.dht.protocol import DhtProtocol
from services.core.dht.rtt import Address
from services.core.dht.store import now_us
from services.core.errors import StoreFull
from services.core.records.policy import RecordInfo, RecordPolicy

#: Jitter of background delays: a generator of its own, so a node never
#: moves the process's global random state (which callers may seed).
_JITTER = random.Random()


class FreshnessCheck:
    """Queue of newly accepted keys and the worker that checks them."""

    def __init__(
        self, protocol: DhtProtocol, policy: RecordPolicy, ksize: int, rate_per_s: float
    ) -> None:
        self._protocol = protocol
        self._policy = policy
        self._ksize = ksize
        self._pause = 1.0 / rate_per_s
        # (due, key, sender, signer): signer is None for single-value keys.
        self._queue: deque[tuple[float, bytes, Address, bytes | None]] = deque()
        self._queued: set[tuple[bytes, bytes | None]] = set()
        self._running = 0
        self._wake = asyncio.Event()

    def offer(self, key: bytes, sender: Address, signer: bytes | None = None) -> None:
        """Queue a check of ``key`` (of ``signer``'s entry in its set, for a
        set), taken from ``sender``; nothing when it is already queued,
        dropped (and counted) when the queue is full."""
        if (key, signer) in self._queued:
            return
        if len(self._queue) >= FRESHNESS_QUEUE_MAX:
            self._protocol.counters.freshness_dropped += 1
            return
        # Jitter: nodes that took the same replay check at different times, so
        # a later check finds the earlier ones already repaired.
        due = asyncio.get_running_loop().time() + FRESHNESS_DELAY_S * (1 + _JITTER.random())
        self._queue.append((due, key, sender, signer))
        self._queued.add((key, signer))
        self._wake.set()

    @property
    def pending(self) -> int:
        """Checks queued or under way."""
        return len(self._queue) + self._running

    async def run(self) -> None:
        """Serve the queue until cancelled."""
        loop = asyncio.get_running_loop()
        while True:
            if not self._queue:
                self._wake.clear()
                await self._wake.wait()
                continue
            due, key, sender, signer = self._queue[0]
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self._queue.popleft()
            self._queued.discard((key, signer))
            self._running += 1
            self._protocol.spawn(self._check(key, sender, signer))
            await asyncio.sleep(self._pause)

    async def _check(self, key: bytes, sender: Address, signer: bytes | None) -> None:
        try:
            storage = self._protocol.storage
            held = storage.get_info(key) if signer is None else storage.get_provider(key, signer)
            if held is not None:
                await self._compare(key, sender, held)
        finally:
            self._running -= 1

    async def _compare(self, key: bytes, sender: Address, held: RecordInfo) -> None:
        """Ask the closest known holders of ``key`` (``sender`` excluded) for
        the record ``held`` is a version of, keep a better one, and repair
        the asked holders that answered a worse one. For a set entry the
        holders are asked to put that signer's record first, and only that
        record of each answer is read."""
        proto = self._protocol
        answers: list[tuple[Node, RecordInfo]] = []
        lead = [held]
        now = now_us()
        if held.multi:
            rpc, extra = "get_providers", [self._policy.set_cap(held.namespace), held.signer]
            keep, push = proto.storage.put_provider, proto.call_add_provider
        else:
            rpc, extra = "find_value", []
            keep, push = proto.storage.put_single, proto.call_store

        def on_value(peer: Node, payload: Any) -> int:
            if held.multi:
                if not isinstance(payload, list) or not payload:
                    return 0
                payload = payload[0]
            info = proto.check_record(key, payload, now)
            if info is None or info.multi != held.multi:
                return 0
            if held.multi and info.signer != held.signer:
                return 0  # the holder has no record of this signer
            answers.append((peer, info))
            if self._policy.better(info, lead[0]):
                lead[0] = info
            return 1

        def done() -> bool:
            return lead[0] is not held or len(answers) >= FRESHNESS_FANOUT

        proto.counters.freshness_checks += 1
        peers = [
            n
            for n in proto.router.find_neighbors(Node(key), k=self._ksize)
            if (n.ip, n.port) != sender
        ]
        if peers:
            outcome = await Lookup(
                proto,
                key,
                peers,
                ksize=self._ksize,
                alpha=FRESHNESS_FANOUT,
                rpc=rpc,
                extra_args=extra,
                on_value=on_value,
                done=done,
                max_rpcs=FRESHNESS_MAX_RPCS,
                learn=False,
            ).run()
            proto.counters.freshness_rpcs += outcome.rpcs
        best = lead[0]
        if best is held:
            return
        try:
            if keep(best, mine=False):
                proto.counters.freshness_upgrades += 1
        except StoreFull:
            pass
        # Holders that answered an older version took the same replay: repair them too.
        worse = [peer for peer, info in answers if info.raw != best.raw]
        if worse:
            proto.counters.pushbacks_sent += len(worse)
            await asyncio.gather(*(push(n, key, best.raw) for n in worse))
