"""DhtNode: the package's ``Server`` on the caller's loop, hardened.

Records are opaque bytes judged by an injected ``RecordPolicy``. The node
stores them durably (``RecordStore``), finds holders with ``Lookup`` (which
never waits for its slowest peer), selects by policy (never by majority),
pushes the best record back to holders that had a worse one or none, keeps
provider sets, republishes only what it published itself, and persists its
routing table as JSON.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any

from kademlia.network import Server
from kademlia.node import Node

from services.core.dht.config import DhtConfig
from services.core.dht.constants import MAX_RECORD_BYTES, SOCKET_RCVBUF_BYTES
from services.core.dht.freshness import FreshnessCheck
from services.core.dht.handoff import HandOff
from services.core.dht.lookup import Lookup, LookupOutcome, OnValue
from services.core.dht.protocol import DhtProtocol
from services.core.dht.reads import Reads
from services.core.dht.state import load_state, save_state
from services.core.dht.stats import DhtCounters
from services.core.dht.store import RecordStore, now_us
from services.core.dht.udp import UdpEndpoint
from services.core.dht.wire import valid_ip, valid_key, valid_node_id, valid_port
from services.core.errors import InvalidArgument, InvalidRecord
from services.core.logging import get_logger
from services.core.records.policy import RecordInfo, RecordPolicy

log = get_logger(__name__)

KeyOf = Callable[[bytes], bytes]


def _signed_key_of(raw: bytes) -> bytes:
    """The DHT key of a signed record (``services.core.records.model``)."""
    from services.core.records import model

    return model.decode(raw).dht_key()


class DhtNode(Server):  # type: ignore[misc]
    """One DHT node; see the module docstring. Create, ``await start()``,
    ``await stop()``; every other call needs a started node."""

    protocol_class = DhtProtocol

    def __init__(
        self, config: DhtConfig, policy: RecordPolicy, *, key_of: KeyOf | None = None
    ) -> None:
        saved = load_state(config.state_path) if config.state_path else None
        node_id = config.node_id or (saved.node_id if saved else os.urandom(20))
        store = RecordStore(config.store_path, config.store_max_records, policy)
        super().__init__(ksize=config.ksize, alpha=config.alpha, node_id=node_id, storage=store)
        self.storage: RecordStore = store
        self.protocol: DhtProtocol | None = None
        self.transport: UdpEndpoint | None = None
        self.config = config
        self.policy = policy
        self.counters = DhtCounters()
        self._key_of: KeyOf = key_of or getattr(policy, "dht_key_of", None) or _signed_key_of
        self._saved_neighbours = saved.neighbours if saved else []
        self._tasks: list[asyncio.Task[Any]] = []
        self._handoff: HandOff | None = None
        self._freshness: FreshnessCheck | None = None
        self._address: tuple[str, int] | None = None
        self._reads = Reads(self)

    # -- life cycle ---------------------------------------------------------------

    def _create_protocol(self) -> DhtProtocol:
        return DhtProtocol(
            self.node,
            self.storage,
            self.ksize,
            config=self.config,
            policy=self.policy,
            counters=self.counters,
            on_new_node=self._on_new_node,
            on_new_key=self._on_new_key,
        )

    def _on_new_node(self, node: Node) -> None:
        if self._handoff is not None:
            self._handoff.offer(node)

    def _on_new_key(self, key: bytes, sender: tuple[str, int], signer: bytes | None) -> None:
        if self._freshness is not None:
            self._freshness.offer(key, sender, signer)

    async def start(self) -> None:
        """Bind the UDP port, start the background loops, bootstrap from the
        configured and saved neighbours (at most one RPC timeout)."""
        transport, protocol = await UdpEndpoint.open(
            self._create_protocol, self.config.host, self.config.port, rcvbuf=SOCKET_RCVBUF_BYTES
        )
        self.transport, self.protocol = transport, protocol
        sock = transport.get_extra_info("sockname")
        self._address = (str(sock[0]), int(sock[1]))
        self._handoff = HandOff(protocol, self.ksize, self.config.handoff_rate_per_s)
        self._freshness = FreshnessCheck(
            protocol, self.policy, self.ksize, self.config.freshness_rate_per_s
        )
        self._tasks = [
            asyncio.ensure_future(self._handoff.run()),
            asyncio.ensure_future(self._freshness.run()),
            asyncio.ensure_future(self._every(self.config.refresh_interval_s, self.refresh)),
            asyncio.ensure_future(self._every(self.config.republish_interval_s, self.republish)),
        ]
        seeds = list(self.config.bootstrap) + [(ip, port) for _, ip, port in self._saved_neighbours]
        seeds = [s for s in seeds if s != self._address]
        if seeds:
            await self.bootstrap(seeds)
        log.info("dht node started", address=self._address, node_id=self.node.id.hex())

    async def stop(self) -> None:
        """Cancel every task this node created, save state, close the socket
        and the store. Safe to call twice."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.protocol is not None:
            self._save_state()
            await self.protocol.close()
            self.protocol = None
        if self.transport is not None:
            self.transport.close()
            self.transport = None
        self.storage.close()

    async def _every(self, period_s: float, job: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        """Run ``job`` every ``period_s`` seconds, every period (not only the first)."""
        while True:
            await asyncio.sleep(period_s)
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("dht periodic job failed", job=job.__name__, error=repr(exc))

    def _save_state(self) -> None:
        if self.config.state_path is None:
            return
        try:
            save_state(self.config.state_path, self.node.id, self.neighbours())
        except OSError as exc:
            log.warning("could not save DHT state", error=str(exc))

    def _proto(self) -> DhtProtocol:
        if self.protocol is None:
            raise RuntimeError("DhtNode is not started")
        return self.protocol

    # -- membership ---------------------------------------------------------------

    async def bootstrap(self, addrs: list[tuple[str, int]]) -> list[Node]:
        """Ping ``addrs`` (IP literals) concurrently, then look up our own id.

        A dead address costs at most one RPC timeout, in parallel with the
        others. Returns the closest nodes found.
        """
        proto = self._proto()
        for addr in addrs:
            if not (isinstance(addr, list | tuple) and len(addr) == 2):
                raise InvalidArgument(f"bootstrap address must be (ip, port), got {addr!r}")
            if not valid_ip(addr[0]) or not valid_port(addr[1]):
                raise InvalidArgument(
                    f"bootstrap address must be an IP literal and a port, got {addr!r}"
                )
        targets = [(str(ip), int(port)) for ip, port in addrs]
        replies = await asyncio.gather(*(proto.ping(a, self.node.id) for a in targets))
        for (ip, port), (ok, data) in zip(targets, replies, strict=True):
            if ok and valid_node_id(data) and data != self.node.id:
                proto.welcome_if_new(Node(data, ip, port))
        return (await self._lookup_nodes(self.node.id)).closest

    async def _lookup_nodes(self, key: bytes) -> LookupOutcome:
        return await self._lookup(key, "find_node")

    async def _lookup(
        self,
        key: bytes,
        rpc: str,
        *,
        on_value: OnValue | None = None,
        quorum: int = 1,
        extra: list[Any] | None = None,
        done: Callable[[], bool] | None = None,
        wanted: Callable[[], int] | None = None,
    ) -> LookupOutcome:
        proto = self._proto()
        peers = proto.router.find_neighbors(Node(key), k=self.ksize)
        if not peers:
            return LookupOutcome()
        self.counters.lookups += 1
        lookup = Lookup(
            proto,
            key,
            peers,
            ksize=self.ksize,
            alpha=self.alpha,
            rpc=rpc,
            extra_args=extra,
            on_value=on_value,
            quorum=quorum,
            done=done,
            wanted=wanted,
        )
        outcome = await lookup.run()
        self.counters.lookup_rpcs += outcome.rpcs
        return outcome

    # -- records ------------------------------------------------------------------

    def _check(self, raw: bytes, dht_key: bytes | None) -> RecordInfo:
        if not isinstance(raw, bytes):
            raise InvalidArgument("a record must be bytes")
        if len(raw) > MAX_RECORD_BYTES:
            raise InvalidRecord(
                f"record of {len(raw)} bytes is over the DHT limit of {MAX_RECORD_BYTES} bytes"
            )
        if dht_key is None:
            dht_key = self._key_of(raw)
        if not valid_key(dht_key):
            raise InvalidArgument("a DHT key must be 20 bytes")
        return self.policy.check(dht_key, raw, now_us())

    async def put(
        self, record_bytes: bytes, dht_key: bytes | None = None, *, only_newer: bool = False
    ) -> int:
        """Validate, store locally (committed), then store on the k closest nodes.

        Returns how many remote holders accepted the record (0 when there
        are no live peers; the local copy is kept and republished). Raises
        ``InvalidRecord`` for a record the policy refuses, ``SeqConflict``
        when this node holds a better record, or with ``only_newer`` any
        other record of the same seq or higher (a writer without a claim
        must not displace a write already acknowledged), ``StoreFull`` at
        the cap.
        """
        info = self._check(record_bytes, dht_key)
        if info.multi:
            raise InvalidArgument(f"namespace {info.namespace!r} is a set: use add_provider")
        self.storage.put_single_or_raise(info, mine=True, only_newer=only_newer)
        return await self._replicate(info)

    async def add_provider(self, record_bytes: bytes, dht_key: bytes | None = None) -> int:
        """Like ``put`` for set namespaces: one record per signer per key."""
        return await self.replicate(self.add_provider_locally(record_bytes, dht_key))

    def add_provider_locally(self, record_bytes: bytes, dht_key: bytes | None = None) -> RecordInfo:
        """The local half of ``add_provider``: validate and store here, without
        awaiting, so a caller can refuse before it starts other writes.
        Raises InvalidRecord when a newer record of the signer is held (or the
        set is full of longer-lived records)."""
        info = self._check(record_bytes, dht_key)
        if not info.multi:
            raise InvalidArgument(f"namespace {info.namespace!r} holds one value: use put")
        if not self.storage.put_provider(info, mine=True):
            raise InvalidRecord("a newer provider record of this signer is held for this key")
        return info

    async def replicate(self, info: RecordInfo) -> int:
        """Store a locally accepted record on the k closest nodes; how many accepted."""
        return await self._replicate(info)

    async def _replicate(self, info: RecordInfo) -> int:
        asked, accepted = await self._store_on_closest(info)
        if asked and not accepted:
            # No holder took it: every STORE was lost, timed out (a stall
            # longer than the RPC timeout) or refused. Once more, after a
            # fresh lookup, so one bad moment does not leave the record on
            # this node alone until the next republish. (No node answering
            # the lookup at all is no such moment: nobody is there to ask.)
            self._proto().counters.replications_retried += 1
            _, accepted = await self._store_on_closest(info)
        return accepted

    async def _store_on_closest(self, info: RecordInfo) -> tuple[int, int]:
        """STOREs to the closest nodes a lookup found: (sent, accepted)."""
        proto = self._proto()
        nodes = (await self._lookup_nodes(info.dht_key)).closest
        call = proto.call_add_provider if info.multi else proto.call_store
        results = await asyncio.gather(*(call(n, info.dht_key, info.raw) for n in nodes))
        return len(nodes), sum(1 for ok in results if ok)

    async def set_digest(self, dkey: bytes, value: bytes) -> bool:
        """The package's API, routed through ``put`` (validated, counted)."""
        return await self.put(value, dht_key=dkey) > 0

    async def get(self, dht_key: bytes) -> bytes | None:
        """The best valid record of ``dht_key`` or None (``Reads.get``)."""
        return await self._reads.get(dht_key)

    async def get_providers(self, dht_key: bytes, limit: int = 20) -> list[bytes]:
        """Valid provider records of ``dht_key``, newest first (``Reads.get_providers``)."""
        return await self._reads.get_providers(dht_key, limit)

    # -- maintenance ----------------------------------------------------------------

    async def refresh(self) -> None:
        """Look up ids in buckets idle for a refresh interval, purge expired
        records, save the routing table."""
        proto = self._proto()
        self.counters.refreshes += 1
        ids = proto.get_refresh_ids()
        await asyncio.gather(*(self._lookup_nodes(rid) for rid in ids))
        self.storage.purge_expired()
        self._save_state()

    async def republish(self) -> int:
        """Store again, on the current k closest nodes, every unexpired
        record this node published itself (and only those)."""
        count = 0
        for info in self.storage.mine():
            await self._replicate(info)
            count += 1
        self.counters.republished += count
        return count

    # -- introspection --------------------------------------------------------------

    @property
    def node_id(self) -> bytes:
        return bytes(self.node.id)

    @property
    def address(self) -> tuple[str, int]:
        if self._address is None:
            raise RuntimeError("DhtNode is not started")
        return self._address

    @property
    def background_pending(self) -> int:
        """Hand-offs and freshness checks queued or under way."""
        handoff = self._handoff.pending if self._handoff else 0
        return handoff + (self._freshness.pending if self._freshness else 0)

    def neighbours(self) -> list[tuple[bytes, str, int]]:
        """Every node in the routing table as (id, ip, port)."""
        if self.protocol is None:
            return []
        return [(n.id, n.ip, n.port) for n in self.protocol.router.all_nodes()]

    def routing_stats(self) -> dict[str, Any]:
        proto = self._proto()
        buckets = proto.router.bucket_sizes()
        return {
            "buckets": buckets,
            "replacements": proto.router.replacement_sizes(),
            "nodes": sum(buckets),
            "diversity_rejections": proto.router.diversity_rejections,
        }

    def stats(self) -> dict[str, int]:
        self.counters.records_held = len(self.storage)
        return self.counters.snapshot()

    def figures(self) -> dict[str, int]:
        """The counters, records held and routing-table size, without
        touching the node: safe to call from the metrics endpoint's thread."""
        figures = self.counters.snapshot()
        figures["records_held"] = len(self.storage)
        proto = self.protocol
        figures["routing_table_size"] = 0 if proto is None else sum(proto.router.bucket_sizes())
        return figures
