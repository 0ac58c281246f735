"""DhtProtocol: the package's ``KademliaProtocol`` with every inbound path guarded.

Differences from the package (each pinned by a test):

- datagrams are size-checked, rate-limited per source and shape-checked
  before unpacking; malformed ones are counted and dropped, synchronously,
  so no background task can fail unobserved;
- requests are served synchronously; an exception in a handler (or a wrong
  argument count) is answered with a refusal ``{"refused": "error"}``
  instead of silence, so the caller does not wait for its timeout;
- a response is matched by message id AND source address;
- unknown attributes raise ``AttributeError`` instead of becoming remote
  calls (the package's ``__getattr__``);
- ``store``/``add_provider`` validate through the ``RecordPolicy`` and keep
  the better record; invalid, stale or oversized values are refused; a key,
  or a signer's entry in a provider set, newly taken at the edge of its
  neighbourhood is offered for a freshness check (``freshness.py``);
- node ids must be 20 bytes before anything reaches the routing table;
- per-peer adaptive timeouts (``RttTable``) replace the fixed 5 s, and a
  stall of the node's own event loop is owed to RPCs in flight instead of
  failing them (``stalls.py``);
- an unknown requester is pinged back and enters the routing table only if
  it answers from the address it claims.

The module is a little over the usual size because the package's protocol
is one class: the inbound checks, the outbound request machinery and the
``rpc_*`` handlers it dispatches to must live on the same subclass.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from kademlia.node import Node
from kademlia.protocol import KademliaProtocol

from services.core.dht.config import DhtConfig
from services.core.dht.constants import (
    HEADER_BYTES,
    MAX_DATAGRAM_BYTES,
    MAX_RECORD_BYTES,
    MAX_SIGNER_BYTES,
    PROBES_MAX,
    RADIUS_CACHE_S,
    REFUSED_ERROR,
    REFUSED_INVALID,
    REFUSED_UNKNOWN,
    RESPONSIBLE_RADIUS_FACTOR,
    STALL_SLACK_S,
)
from services.core.dht.ratelimit import SourceRateLimiter
from services.core.dht.routing import HardenedRoutingTable
from services.core.dht.rtt import Address, RttTable
from services.core.dht.stalls import LoopStalls
from services.core.dht.stats import DhtCounters
from services.core.dht.store import RecordStore, now_us
from services.core.dht.wire import (
    REQUEST,
    RESPONSE,
    decode_datagram,
    encode,
    valid_key,
    valid_node_id,
)
from services.core.errors import StoreFull
from services.core.logging import get_logger
from services.core.records.policy import RecordInfo, RecordPolicy

log = get_logger(__name__)

Reply = tuple[bool, Any]
NodeTriple = tuple[bytes, str, int]

#: Room kept in a get_providers reply for the node list and the envelope.
_PROVIDERS_REPLY_BUDGET = MAX_DATAGRAM_BYTES - HEADER_BYTES - 1500


def refusal(reason: str) -> dict[str, str]:
    return {"refused": reason}


def is_refusal(data: object) -> bool:
    return isinstance(data, dict) and "refused" in data


@dataclass(slots=True)
class _Pending:
    future: asyncio.Future[Reply]
    timer: asyncio.TimerHandle
    address: Address
    sent_at: float
    deadline: float
    node: Node | None
    #: The loop's stall mark when sent, and stall time already added to the deadline.
    stall_mark: float = 0.0
    stall_credit: float = 0.0


_RESPONSE_BYTE = bytes((RESPONSE,))


class DhtProtocol(KademliaProtocol):  # type: ignore[misc]
    """The hardened wire protocol of one node; see the module docstring."""

    def __init__(
        self,
        source_node: Node,
        storage: RecordStore,
        ksize: int,
        *,
        config: DhtConfig,
        policy: RecordPolicy,
        counters: DhtCounters,
        on_new_node: Callable[[Node], None],
        on_new_key: Callable[[bytes, Address, bytes | None], None] | None = None,
    ) -> None:
        KademliaProtocol.__init__(self, source_node, storage, ksize)
        self.storage: RecordStore = storage
        self._config = config
        self._policy = policy
        self.counters = counters
        self._on_new_node = on_new_node
        self._on_new_key = on_new_key
        self._wait_timeout = config.rpc_timeout_s
        self._ksize = ksize
        self._outstanding: dict[bytes, _Pending] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        # Ids of unknown requesters being pinged back (see ``_welcome``).
        self._probing: set[bytes] = set()
        self._closed = False
        self._stalls: LoopStalls | None = None
        self._radius_cache: int | None = None
        self._radius_at = float("-inf")
        self.rtt = RttTable(config.rpc_timeout_s, config.rpc_timeout_floor_s)
        self._limiter = SourceRateLimiter(
            config.rate_limit_per_s, config.rate_limit_burst, config.rate_limit_sources
        )
        self._limit_by_ip = not ipaddress.ip_address(config.host).is_loopback
        self.router = HardenedRoutingTable(
            self,
            ksize,
            source_node,
            ping_head=self._ping_head,
            ip_diversity=config.diversity_enabled,
            max_per_subnet=config.max_per_subnet,
            lonely_after_s=config.refresh_interval_s,
        )
        self._handlers: dict[str, Callable[..., Any]] = {
            "ping": self.rpc_ping,
            "store": self.rpc_store,
            "find_node": self.rpc_find_node,
            "find_value": self.rpc_find_value,
            "add_provider": self.rpc_add_provider,
            "get_providers": self.rpc_get_providers,
        }

    def __getattr__(self, name: str) -> Any:
        """Unknown attributes are local errors, never remote calls."""
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    # -- tasks ------------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``coro`` as a task this protocol references and cancels on close."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("dht background task failed", error=repr(task.exception()))

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        if self._stalls is None:
            self._stalls = LoopStalls.acquire(asyncio.get_running_loop())

    def stalled_since(self, mark: float) -> float:
        """Seconds this node's event loop stalled since ``stall_mark()`` gave ``mark``."""
        return 0.0 if self._stalls is None else self._stalls.since(mark)

    def stall_mark(self) -> float:
        """Where this loop's stall count stands now (see ``stalls.py``)."""
        return 0.0 if self._stalls is None else self._stalls.mark()

    async def close(self) -> None:
        """Fail every outstanding request and cancel every task."""
        self._closed = True
        if self._stalls is not None:
            self._stalls.release()
            self._stalls = None
        for pending in list(self._outstanding.values()):
            pending.timer.cancel()
            if not pending.future.done():
                pending.future.set_result((False, None))
        self._outstanding.clear()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- inbound ----------------------------------------------------------------

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        try:
            self._datagram(data, (addr[0], addr[1]))
        except Exception as exc:  # never let one datagram disturb the loop
            self.counters.rejected_datagrams += 1
            log.debug("dht datagram handling failed", error=repr(exc))

    def _datagram(self, data: bytes, source: Address) -> None:
        if len(data) > MAX_DATAGRAM_BYTES:
            self.counters.rejected_datagrams += 1
            return
        if not self._answer_to_us(data, source):
            key: object = source[0] if self._limit_by_ip else source
            if not self._limiter.allow(key):
                self.counters.throttled_datagrams += 1
                return
        dgram = decode_datagram(data)
        if dgram is None:
            self.counters.rejected_datagrams += 1
            return
        if dgram.kind == RESPONSE:
            self._on_response(dgram.msg_id, dgram.body, source)
        else:
            self._on_request(dgram.msg_id, dgram.body, source)

    def _answer_to_us(self, data: bytes, source: Address) -> bool:
        """True for a response to one of our outstanding requests, from the
        address we asked: answers we asked for are never rate-limited."""
        if data[:1] != _RESPONSE_BYTE:
            return False
        pending = self._outstanding.get(bytes(data[1:HEADER_BYTES]))
        return pending is not None and pending.address == source

    def _on_request(self, msg_id: bytes, body: Any, source: Address) -> None:
        if not (
            isinstance(body, list)
            and len(body) == 2
            and isinstance(body[0], str)
            and isinstance(body[1], list)
        ):
            self.counters.rejected_datagrams += 1
            return
        name, args = body
        self.counters.rpc_requests += 1
        handler = self._handlers.get(name)
        reply: Any
        if handler is None:
            reply = refusal(REFUSED_UNKNOWN)
        else:
            try:
                reply = handler(source, *args)
            except Exception as exc:
                log.debug("dht rpc handler refused", rpc=name, error=repr(exc))
                reply = refusal(REFUSED_ERROR)
        if is_refusal(reply):
            self.counters.rpc_refusals_sent += 1
        self._reply(msg_id, reply, source)

    def _on_response(self, msg_id: bytes, body: Any, source: Address) -> None:
        pending = self._outstanding.get(msg_id)
        if pending is None or pending.address != source:
            self.counters.unmatched_responses += 1
            return
        del self._outstanding[msg_id]
        pending.timer.cancel()
        # The round trip the peer took, less any stall of this node's own loop.
        elapsed = asyncio.get_running_loop().time() - pending.sent_at
        self.rtt.sample(source, max(0.0, elapsed - self.stalled_since(pending.stall_mark)))
        if not pending.future.done():
            pending.future.set_result((True, body))
        if pending.node is not None:
            self.welcome_if_new(pending.node)

    def _reply(self, msg_id: bytes, reply: Any, address: Address) -> None:
        if self.transport is None or self._closed:
            return
        data = encode(RESPONSE, msg_id, reply)
        if len(data) > MAX_DATAGRAM_BYTES:
            data = encode(RESPONSE, msg_id, refusal(REFUSED_ERROR))
        self.transport.sendto(data, address)

    # -- outbound ---------------------------------------------------------------

    def request(
        self, address: Address, name: str, args: list[Any], node: Node | None = None
    ) -> asyncio.Future[Reply]:
        """Send one RPC; the future resolves to (answered, reply).

        The timeout adapts to the peer's measured round trips, within
        ``[rpc_timeout_floor_s, rpc_timeout_s]``. On timeout ``node`` (when
        given) leaves the routing table; on reply it is welcomed.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Reply] = loop.create_future()
        if self.transport is None or self._closed:
            future.set_result((False, None))
            return future
        msg_id = os.urandom(20)
        data = encode(REQUEST, msg_id, [name, args])
        if len(data) > MAX_DATAGRAM_BYTES:
            future.set_result((False, None))
            return future
        addr = (address[0], address[1])
        now = loop.time()
        deadline = now + self.rtt.timeout(addr)
        timer = loop.call_at(deadline, self._expire, msg_id)
        self._outstanding[msg_id] = _Pending(
            future, timer, addr, now, deadline, node, self.stall_mark()
        )
        self.transport.sendto(data, addr)
        return future

    def _expire(self, msg_id: bytes) -> None:
        pending = self._outstanding.get(msg_id)
        if pending is None:
            return
        owed = self.stalled_since(pending.stall_mark) - pending.stall_credit
        if owed > STALL_SLACK_S and pending.stall_credit < self._wait_timeout:
            # This node's own event loop was held while the RPC was out (see
            # ``stalls.py``): the answer may sit unread in the socket buffer.
            # The peer is not at fault; it is owed the stall, up to one full
            # RPC timeout in all.
            grace = min(owed, self._wait_timeout - pending.stall_credit)
            pending.stall_credit += grace
            pending.timer = asyncio.get_running_loop().call_at(
                pending.deadline + pending.stall_credit, self._expire, msg_id
            )
            self.counters.rpc_stall_extensions += 1
            return
        del self._outstanding[msg_id]
        self.counters.rpc_failures += 1
        self.rtt.failure(pending.address)
        if not pending.future.done():
            pending.future.set_result((False, None))
        if pending.node is not None:
            self.router.remove_contact(pending.node)

    def ping(self, address: Address, nodeid: bytes) -> asyncio.Future[Reply]:
        return self.request(address, "ping", [nodeid])

    async def call_ping(self, node_to_ask: Node) -> Reply:
        return await self.request(_addr(node_to_ask), "ping", [self.source_node.id], node_to_ask)

    async def call_store(self, node_to_ask: Node, key: bytes, value: bytes) -> bool:
        self.counters.stores_sent += 1
        ok, data = await self.request(
            _addr(node_to_ask), "store", [self.source_node.id, key, value], node_to_ask
        )
        accepted = ok and data is True
        self.counters.stores_accepted += int(accepted)
        return accepted

    async def call_add_provider(self, node_to_ask: Node, key: bytes, value: bytes) -> bool:
        self.counters.stores_sent += 1
        ok, data = await self.request(
            _addr(node_to_ask), "add_provider", [self.source_node.id, key, value], node_to_ask
        )
        accepted = ok and data is True
        self.counters.stores_accepted += int(accepted)
        return accepted

    async def call_find_node(self, node_to_ask: Node, node_to_find: Node) -> Reply:
        return await self.request(
            _addr(node_to_ask), "find_node", [self.source_node.id, node_to_find.id], node_to_ask
        )

    async def call_find_value(self, node_to_ask: Node, node_to_find: Node) -> Reply:
        return await self.request(
            _addr(node_to_ask), "find_value", [self.source_node.id, node_to_find.id], node_to_ask
        )

    def _ping_head(self, head: Node) -> None:
        if not self._closed:
            self.spawn(self.call_ping(head))

    # -- routing table ------------------------------------------------------------

    def welcome_if_new(self, node: Node) -> None:
        """Add or refresh ``node``; a node new to the table is offered for hand-off.

        The package hashes the key again here (``Node(digest(key))``) and
        hands off every value at once; hand-off is delegated to the node's
        rate-limited ``HandOff`` with the key as stored.
        """
        if not valid_node_id(node.id) or node.id == self.source_node.id:
            return
        new = self.router.is_new_node(node)
        self.router.add_contact(node)
        if new and self.router.contains(node.id):
            self._on_new_node(node)

    def _welcome(self, sender: Address, nodeid: object) -> bool:
        """Refresh a known contact that wrote from its own address; ping back
        any other sender and add it only if it answers with the same id."""
        if not valid_node_id(nodeid):
            return False
        assert isinstance(nodeid, bytes)
        node = Node(nodeid, sender[0], sender[1])
        if nodeid == self.source_node.id:
            return True
        bucket = self.router.buckets[self.router.get_bucket_for(node)]
        known = bucket.nodes.get(nodeid)
        if known is not None and known.same_home_as(node):
            self.router.add_contact(node)
        elif nodeid not in self._probing and len(self._probing) < PROBES_MAX and not self._closed:
            self._probing.add(nodeid)
            self.spawn(self._probe(node))
        return True

    async def _probe(self, node: Node) -> None:
        try:
            ok, data = await self.request(_addr(node), "ping", [self.source_node.id])
            if ok and data == node.id:
                self.welcome_if_new(node)
        finally:
            self._probing.discard(node.id)

    # -- handlers -------------------------------------------------------------------

    def check_record(self, key: object, value: object, now: int | None = None) -> RecordInfo | None:
        """The policy's verdict on a record from the network (a STORE, a read
        answer); None, counted as an invalid value, for anything that is not
        bytes under the size limit for a valid key, or that the policy refuses."""
        if not valid_key(key) or not isinstance(value, bytes) or len(value) > MAX_RECORD_BYTES:
            self.counters.invalid_values_seen += 1
            return None
        assert isinstance(key, bytes)
        try:
            return self._policy.check(key, value, now_us() if now is None else now)
        except Exception:
            self.counters.invalid_values_seen += 1
            return None

    def responsible_for(self, key: bytes) -> bool:
        """True when this node should hold ``key`` by its own view (see ``placement``)."""
        return self.placement(key)[0] < self._ksize

    def placement(self, key: bytes) -> tuple[int, float]:
        """Where this node stands for ``key``: how many known nodes are closer
        to it (at most k; k when the key lies beyond
        ``RESPONSIBLE_RADIUS_FACTOR`` times this node's own neighbourhood
        radius), and its distance to the key in radii.

        STOREs of keys a node does not hold are accepted only below k.
        Kademlia keeps a node's view of its own neighbourhood accurate (it
        looks up its own id), so the radius (distance to its k-th closest
        known node) estimates how far the k closest nodes of any key spread;
        a node far from a key knows too few of the nodes near it to count
        them, and would otherwise take records, e.g. replays of superseded
        versions, that the key's real holders never see.
        """
        keynode = Node(key)
        mine = self.source_node.distance_to(keynode)
        radius = self._radius()
        # Knowing fewer than k nodes, a node is among the k closest of every key.
        radii = 0.0 if radius is None else mine / radius
        if radii > RESPONSIBLE_RADIUS_FACTOR:
            return self._ksize, radii
        known = self.router.find_neighbors(keynode, k=self._ksize)
        return sum(1 for n in known if n.distance_to(keynode) < mine), radii

    def _radius(self) -> int | None:
        """Distance to this node's k-th closest known node (cached briefly);
        None while it knows fewer than k nodes."""
        now = time.monotonic()
        if now - self._radius_at > RADIUS_CACHE_S:
            own = self.router.find_neighbors(self.source_node, k=self._ksize)
            far = own[-1] if len(own) == self._ksize else None
            self._radius_cache = None if far is None else int(self.source_node.distance_to(far))
            self._radius_at = now
        return self._radius_cache

    def rpc_ping(self, sender: Address, nodeid: object) -> Any:
        if not self._welcome(sender, nodeid):
            return refusal(REFUSED_INVALID)
        return self.source_node.id

    def rpc_store(self, sender: Address, nodeid: object, key: object, value: object) -> bool:
        if not self._welcome(sender, nodeid):
            return False
        info = self.check_record(key, value)
        if info is None or info.multi:
            self.counters.stores_refused += 1
            return False
        held = self.storage.get_info(info.dht_key) is not None
        rank, radii = (0, 0.0) if held else self.placement(info.dht_key)
        if rank >= self._ksize:
            self.counters.stores_refused += 1
            return False
        try:
            stored = self.storage.put_single(info, mine=False)
        except StoreFull:
            stored = False
        self.counters.stores_received += int(stored)
        self.counters.stores_refused += int(not stored)
        if stored and not held:
            self._new_key(info.dht_key, sender, radii)
        return stored

    def rpc_add_provider(self, sender: Address, nodeid: object, key: object, value: object) -> bool:
        if not self._welcome(sender, nodeid):
            return False
        info = self.check_record(key, value)
        if info is None or not info.multi:
            self.counters.stores_refused += 1
            return False
        # Holders of a set always take newer versions; others only when
        # responsible (as rpc_store). Where this node stands is worked out
        # once, and only for a set it does not hold.
        entry_held = self.storage.get_provider(info.dht_key, info.signer) is not None
        set_held = entry_held or bool(self.storage.get_providers(info.dht_key, 1))
        place = None if set_held else self.placement(info.dht_key)
        if place is not None and place[0] >= self._ksize:
            self.counters.stores_refused += 1
            return False
        try:
            stored = self.storage.put_provider(info, mine=False)
        except StoreFull:
            stored = False
        self.counters.stores_received += int(stored)
        self.counters.stores_refused += int(not stored)
        if stored and not entry_held:
            radii = (place or self.placement(info.dht_key))[1]
            self._new_key(info.dht_key, sender, radii, info.signer)
        return stored

    def _new_key(
        self, key: bytes, sender: Address, radii: float, signer: bytes | None = None
    ) -> None:
        """Offer a record newly taken from ``sender`` (a key, or ``signer``'s
        entry in a key's set) for a freshness check when it lies in the outer
        part of the neighbourhood (``freshness_from_radii``)."""
        if radii >= self._config.freshness_from_radii and self._on_new_key is not None:
            self._on_new_key(key, sender, signer)

    def _neighbours(self, sender: Address, key: bytes) -> list[NodeTriple]:
        exclude = Node(bytes(20), sender[0], sender[1])
        found = self.router.find_neighbors(Node(key), exclude=exclude)
        return [(n.id, n.ip, n.port) for n in found]

    def rpc_find_node(self, sender: Address, nodeid: object, key: object) -> Any:
        if not valid_key(key) or not self._welcome(sender, nodeid):
            return refusal(REFUSED_INVALID)
        assert isinstance(key, bytes)
        return self._neighbours(sender, key)

    def rpc_find_value(self, sender: Address, nodeid: object, key: object) -> Any:
        if not valid_key(key) or not self._welcome(sender, nodeid):
            return refusal(REFUSED_INVALID)
        assert isinstance(key, bytes)
        info = self.storage.get_info(key)
        if info is None:
            return self._neighbours(sender, key)
        return {"value": info.raw}

    def rpc_get_providers(
        self, sender: Address, nodeid: object, key: object, limit: object, first: object = None
    ) -> Any:
        """Up to ``limit`` provider records of ``key``, newest first, as many
        as fit in one datagram; ``first`` (optional, a signer key) puts that
        signer's record, when held, at the head (freshness checks ask for the
        one signer they check, whatever the size of the set)."""
        if not valid_key(key) or not self._welcome(sender, nodeid):
            return refusal(REFUSED_INVALID)
        if type(limit) is not int or limit < 1:
            return refusal(REFUSED_INVALID)
        if first is not None and (not isinstance(first, bytes) or len(first) > MAX_SIGNER_BYTES):
            return refusal(REFUSED_INVALID)
        assert isinstance(key, bytes)
        infos = self.storage.get_providers(key, min(limit, 1000))
        if first is not None:
            head = self.storage.get_provider(key, first)
            if head is not None:
                infos = [head, *(i for i in infos if i.signer != first)]
        raws: list[bytes] = []
        used = 0
        for info in infos:
            used += len(info.raw) + 5
            if used > _PROVIDERS_REPLY_BUDGET:
                break
            raws.append(info.raw)
        return {"providers": raws, "nodes": self._neighbours(sender, key)}


def _addr(node: Node) -> Address:
    return (node.ip, node.port)
