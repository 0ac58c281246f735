"""Iterative lookup that never waits for its slowest peer.

The package's ``SpiderCrawl`` sends alpha queries per round and awaits all
of them, so one dead peer stalls every round for the full timeout (notes,
behaviour 7). Here up to alpha queries are *active* at any time; a query
that has not answered within its peer's adaptive "late" threshold
(``RttTable.late_after``) stops counting as active and the next candidate
is asked at once. Late answers are still used if they arrive while the
lookup runs; the hard timeout only removes the dead peer from the table.

The lookup ends when the k closest live candidates have all answered or
failed, or, for value lookups, as soon as ``quorum`` holders returned valid
records (or the caller's ``done`` says so: a get waits for ``quorum``
holders agreeing on the best record seen); a value lookup that already
holds a valid record does not wait for late peers. After its first alpha
queries, a value lookup keeps no more queries active than answers it still
wants (``wanted``): once one holder of a quorum-of-3 get has answered, the
two queries still out are enough, and a new one would only cost the network
and the event loop. Once any peer is late or dead the lookup goes back to
alpha queries at a time, so churn costs no more latency. (A node lookup does
wait for late peers among the k closest, since returning far nodes under a
loaded event loop would misdirect STOREs, but for at most
``NODE_LOOKUP_GRACE_S`` in all, after which late peers give up their places
among the k closest to the next candidates: a put after churn would
otherwise wait out the full timeout of one dead neighbour after another.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kademlia.node import Node

from services.core.dht.constants import MAX_NODES_PER_REPLY, NODE_LOOKUP_GRACE_S
from services.core.dht.protocol import DhtProtocol, Reply, is_refusal
from services.core.dht.wire import parse_node_triple

_NEW, _WAIT, _LATE, _OK, _FAIL = range(5)

#: Called with (holder, payload) for each value reply; returns how many
#: valid records the payload held (0: nothing usable).
OnValue = Callable[[Node, Any], int]


@dataclass(slots=True)
class LookupOutcome:
    """What one lookup learnt."""

    #: Closest nodes that answered, nearest first, at most k.
    closest: list[Node] = field(default_factory=list)
    #: Nodes that answered without a value, nearest first (push-back targets).
    without_value: list[Node] = field(default_factory=list)
    #: Holders that returned at least one valid record.
    holders: int = 0
    rpcs: int = 0


class Lookup:
    """One iterative lookup of ``target`` with rpc ``rpc`` (see module doc)."""

    def __init__(
        self,
        protocol: DhtProtocol,
        target: bytes,
        peers: list[Node],
        *,
        ksize: int,
        alpha: int,
        rpc: str,
        extra_args: list[Any] | None = None,
        on_value: OnValue | None = None,
        quorum: int = 1,
        done: Callable[[], bool] | None = None,
        wanted: Callable[[], int] | None = None,
        max_rpcs: int | None = None,
        learn: bool = True,
    ) -> None:
        self._protocol = protocol
        self._target = Node(target)
        self._ksize = ksize
        self._alpha = alpha
        self._rpc = rpc
        self._args: list[Any] = [protocol.source_node.id, target, *(extra_args or [])]
        self._on_value = on_value
        self._quorum = quorum
        self._done = done
        self._wanted = wanted
        self._max_rpcs = max_rpcs
        # Whether answers and timeouts update the routing table (and so offer
        # newly met nodes for hand-off); background checks do not.
        self._learn = learn
        # Set once a peer is late or dead: from then on the full alpha is used.
        self._trouble = False
        self._nodes: dict[bytes, Node] = {}
        self._state: dict[bytes, int] = {}
        self._own = protocol.source_node.id
        self._add(peers)

    def _add(self, nodes: list[Node]) -> None:
        for node in nodes:
            if node.id != self._own and node.id not in self._nodes:
                self._nodes[node.id] = node
                self._state[node.id] = _NEW

    def _dist(self, node: Node) -> int:
        return int(node.long_id ^ self._target.long_id)

    async def run(self) -> LookupOutcome:
        loop = asyncio.get_running_loop()
        out = LookupOutcome()
        proto = self._protocol
        # Per query: its node, when it becomes late, and the loop's stall
        # mark then; deadlines move on by any stall of this node's own loop
        # (``stalls.py``), which is no peer's fault.
        inflight: dict[asyncio.Future[Reply], tuple[Node, float, float]] = {}
        answered: list[Node] = []
        value_mode = self._on_value is not None
        # When a node lookup stops waiting for late peers among the k closest,
        # and whether it has: from then on late peers hold no place there.
        grace_ends: float | None = None
        grace_mark = 0.0
        impatient = False
        while not self._finished(out):
            given_up = (_FAIL, _LATE) if impatient else (_FAIL,)
            live = sorted(
                (n for n in self._nodes.values() if self._state[n.id] not in given_up),
                key=self._dist,
            )[: self._ksize]
            active = sum(1 for n, _, _ in inflight.values() if self._state[n.id] == _WAIT)
            limit = self._alpha
            if self._wanted is not None and not self._trouble and out.rpcs >= self._alpha:
                limit = min(limit, max(1, self._wanted()))
            for node in live:
                if active >= limit or out.rpcs == self._max_rpcs:
                    break
                if self._state[node.id] == _NEW:
                    fut = proto.request(
                        (node.ip, node.port), self._rpc, self._args, node if self._learn else None
                    )
                    late = loop.time() + proto.rtt.late_after((node.ip, node.port))
                    inflight[fut] = (node, late, proto.stall_mark())
                    self._state[node.id] = _WAIT
                    out.rpcs += 1
                    active += 1
            if not inflight:
                break
            pending_new = out.rpcs != self._max_rpcs and any(
                self._state[n.id] == _NEW for n in live
            )
            timeout: float | None = None
            if active:
                soonest = min(
                    d + proto.stalled_since(m)
                    for n, d, m in inflight.values()
                    if self._state[n.id] == _WAIT
                )
                timeout = max(0.0, soonest - loop.time())
            elif not pending_new:
                if value_mode and out.holders > 0:
                    break  # only late peers left, and a value in hand: do not wait
                if impatient:
                    # Late peers hold no place any more; still wait for them
                    # while fewer than alpha have answered: under a stalled
                    # event loop every peer is late, and ending with no
                    # answer would leave a put nowhere to store.
                    if len(answered) >= self._alpha:
                        break
                elif not any(self._state[n.id] == _LATE for n in live):
                    break
                elif not value_mode:
                    # A node lookup waits for late peers among the k closest,
                    # but only so long: a peer that slow is most likely dead.
                    # Then they give up their places to the next candidates.
                    if grace_ends is None:
                        grace_ends = loop.time() + NODE_LOOKUP_GRACE_S
                        grace_mark = proto.stall_mark()
                    timeout = grace_ends + proto.stalled_since(grace_mark) - loop.time()
                    if timeout <= 0:
                        impatient = True
                        continue
            done, _ = await asyncio.wait(
                list(inflight), timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            for fut in done:
                node, _, _ = inflight.pop(fut)
                self._handle(node, fut.result(), out, answered)
            now = loop.time()
            for node, deadline, mark in inflight.values():
                if self._state[node.id] == _WAIT and deadline + proto.stalled_since(mark) <= now:
                    self._state[node.id] = _LATE
                    self._trouble = True
        answered.sort(key=self._dist)
        out.closest = answered[: self._ksize]
        out.without_value.sort(key=self._dist)
        return out

    def _finished(self, out: LookupOutcome) -> bool:
        if self._done is not None:
            return self._done()
        return out.holders >= self._quorum

    def _handle(self, node: Node, reply: Reply, out: LookupOutcome, answered: list[Node]) -> None:
        ok, data = reply
        if not ok:
            self._state[node.id] = _FAIL
            self._trouble = True
            return
        self._state[node.id] = _OK
        answered.append(node)
        if is_refusal(data):
            return
        triples: Any = None
        payload: Any = None
        if isinstance(data, list):
            triples = data
        elif isinstance(data, dict):
            if self._rpc == "get_providers":
                triples = data.get("nodes")
                payload = data.get("providers")
            else:
                payload = data.get("value")
        if isinstance(triples, list):
            found = []
            for item in triples[:MAX_NODES_PER_REPLY]:
                parsed = parse_node_triple(item)
                if parsed is not None:
                    found.append(Node(*parsed))
            self._add(found)
        got = 0
        if payload is not None and self._on_value is not None:
            got = self._on_value(node, payload)
        if got > 0:
            out.holders += 1
        elif self._on_value is not None:
            out.without_value.append(node)
