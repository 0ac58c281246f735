"""Discovery: the domain object behind every DiscoveryService RPC, and its
background work (start-up join, liveness pings, clean-up, cache flushes).

It knows nothing of gRPC or of Redis keys: the book, the network, the
stores and the DNS seeder are injected.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from services.core.errors import InvalidArgument, NotFound, ResourceExhausted
from services.core.logging import get_logger
from services.discovery import constants as k
from services.discovery import metrics
from services.discovery.addresses import check_host, check_ip, check_node_id, check_port, resolve
from services.discovery.events import PeerEvent, iterate
from services.discovery.joining import Joiner, RefreshResult
from services.discovery.model import Address, EventKind, Peer, Source, State, now_us, ranking
from services.discovery.paging import Cursor, PageTokens, filter_digest
from services.discovery.peerbook import PeerBook
from services.discovery.peercache import PeerStore

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Timing:
    ping_interval_s: float
    flush_interval_s: float
    dns_seed_delay_s: float


@dataclass(slots=True)
class Page:
    peers: list[Peer]
    next_token: str
    total: int


@dataclass(slots=True)
class Status:
    node_id: bytes
    addresses: list[str]
    buckets: list[tuple[int, int]]
    by_source: dict[Source, int]
    live: int
    min_peers: int
    min_peers_met: bool
    uptime_s: float
    counters: dict[str, int] = field(default_factory=dict)


class Discovery:
    """See the module docstring."""

    def __init__(
        self,
        book: PeerBook,
        joiner: Joiner,
        stores: Sequence[PeerStore],
        timing: Timing,
        *,
        tokens: PageTokens | None = None,
        service: str = "discovery",
    ) -> None:
        self.book = book
        self.joiner = joiner
        self.network = joiner.network
        self.stores = list(stores)
        self.timing = timing
        self.tokens = tokens or PageTokens()
        self.service = service
        self.started = time.monotonic()
        self._short_since_refresh = 0.0
        self._short_backoff = k.SHORT_REFRESH_MIN_S

    @property
    def min_peers(self) -> int:
        return self.joiner.min_peers

    @property
    def version(self) -> int:
        """Changes whenever any peer changes (for readers' caches)."""
        return self.book.version

    def live_count(self) -> int:
        """Live peers as measured by discovery's pings (for the min-peer rule)."""
        return self.book.live_count()

    # -- background work --------------------------------------------------------------

    async def join(self) -> RefreshResult:
        """Start-up: cache and bootstrap list first, DNS seeds after the delay."""
        return await self.joiner.refresh(wait_s=self.timing.dns_seed_delay_s)

    async def maintain_once(self) -> None:
        """One liveness round: absorb the routing table, ping every peer,
        evict the dead, refresh the sources (with backoff) while short."""
        await self.joiner.absorb_routing_table()
        await self.joiner.ping(self.book.addresses())
        for peer in self.book.evict_dead():
            self.network.forget(peer.node_id, peer.address)
            log.info("peer_evicted", peer=peer.key, failures=peer.failures)
        self.update_gauges()
        now = time.monotonic()
        if self.live_count() >= self.min_peers:
            self._short_backoff = k.SHORT_REFRESH_MIN_S
        elif now - self._short_since_refresh >= self._short_backoff:
            self._short_since_refresh = now
            self._short_backoff = min(self._short_backoff * 2, k.SHORT_REFRESH_MAX_S)
            await self.joiner.refresh()

    async def maintain(self) -> None:
        while True:
            await asyncio.sleep(self.timing.ping_interval_s)
            try:
                await self.maintain_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("peer_maintenance_failed", error=repr(exc))

    async def flush(self) -> None:
        """Write the book to every store (disk and Redis)."""
        peers = self.book.ranked()
        for store in self.stores:
            await store.save(peers)

    async def flush_forever(self) -> None:
        while True:
            await asyncio.sleep(self.timing.flush_interval_s)
            await self.flush()

    def update_gauges(self) -> None:
        counts: dict[tuple[Source, State], int] = {}
        for peer in self.book.ranked():
            counts[(peer.source, peer.state)] = counts.get((peer.source, peer.state), 0) + 1
        for source in Source:
            for state in State:
                metrics.PEERS.labels(self.service, source.name.lower(), state.name.lower()).set(
                    counts.get((source, state), 0)
                )
        metrics.ROUTING_TABLE.labels(self.service).set(len(self.network.neighbours()))

    # -- queries -----------------------------------------------------------------------

    def list_peers(
        self,
        sources: Sequence[Source],
        states: Sequence[State],
        page_size: int,
        page_token: str,
    ) -> Page:
        if page_size > k.PAGE_SIZE_MAX:
            raise InvalidArgument(f"page_size {page_size} is over the limit of {k.PAGE_SIZE_MAX}")
        size = page_size or k.PAGE_SIZE_DEFAULT
        digest = filter_digest(sources, states)
        peers = self.book.ranked(sources, states)
        total = len(peers)
        if page_token:
            cursor = self.tokens.check(page_token, digest)
            after = (-cursor.score, cursor.tie)
            peers = [p for p in peers if ranking(p) > after]
        page = peers[:size]
        token = ""
        if len(peers) > size:
            last = ranking(page[-1])
            token = self.tokens.issue(Cursor(-last[0], last[1]), digest)
        return Page(page, token, total)

    def get_peer(self, node_id: bytes, host: str, port: int) -> Peer:
        if node_id:
            check_node_id(node_id)
            peer = self.book.by_node_id(node_id)
            if peer is None:
                raise NotFound(f"no known peer has node id {node_id.hex()}")
            return peer
        if not host:
            raise InvalidArgument("give node_id, or host and port")
        ip = check_ip(host)
        check_port(port)
        peer = self.book.get(ip, port)
        if peer is None:
            raise NotFound(f"no known peer at {host}:{port}")
        return peer

    def bootstrap_peers(self, limit: int) -> list[Peer]:
        if limit > k.BOOTSTRAP_LIMIT_MAX:
            raise InvalidArgument(f"limit {limit} is over the limit of {k.BOOTSTRAP_LIMIT_MAX}")
        return self.book.live()[: limit or k.BOOTSTRAP_LIMIT_DEFAULT]

    def status(self) -> Status:
        live = self.live_count()
        host, port = self.network.address
        return Status(
            node_id=self.network.node_id,
            addresses=[f"{host}:{port}"],
            buckets=self.network.buckets(),
            by_source=self.book.count_by_source(),
            live=live,
            min_peers=self.min_peers,
            min_peers_met=live >= self.min_peers,
            uptime_s=time.monotonic() - self.started,
            counters=self.network.counters(),
        )

    async def watch(
        self, kinds: Sequence[EventKind], include_current: bool
    ) -> AsyncIterator[PeerEvent]:
        """Peer events until the caller stops; current live peers first when asked."""
        sub = self.book.hub.subscribe(kinds)
        current = self.book.live() if include_current else []
        try:
            for peer in current:
                yield PeerEvent(EventKind.JOINED, peer, now_us())
            async for event in iterate(sub):
                yield event
        finally:
            sub.close()

    # -- changes -------------------------------------------------------------------------

    def _not_self(self, address: Address, what: str) -> None:
        if address == self.network.address:
            raise InvalidArgument(f"{what} {address[0]}:{address[1]} is this node's own address")

    def _room_for(self, addresses: list[Address]) -> None:
        new = sum(1 for a in set(addresses) if self.book.get(*a) is None)
        if len(self.book) + new > self.book.capacity:
            removable = sum(n for s, n in self.book.count_by_state().items() if s != State.LIVE)
            if len(self.book) + new - removable > self.book.capacity:
                raise ResourceExhausted(
                    f"the peer book holds {len(self.book)} of {self.book.capacity} peers: "
                    f"no room for {new} more"
                )

    async def add_peers(self, entries: Sequence[tuple[str, int]]) -> list[Peer]:
        """Manual peers: all validated (and resolved) before any is added,
        then pinged; returns each as stored after its first ping."""
        if not entries:
            raise InvalidArgument("give at least one peer")
        if len(entries) > k.ADD_PEERS_MAX:
            raise InvalidArgument(
                f"{len(entries)} peers given: at most {k.ADD_PEERS_MAX} per request"
            )
        checked: list[tuple[str, int]] = []
        for index, (host, port) in enumerate(entries):
            checked.append(
                (check_host(host, f"peers[{index}].host"), check_port(port, f"peers[{index}].port"))
            )
        addresses: list[Address] = []
        for index, (host, port) in enumerate(checked):
            for address in await resolve(host, port):
                self._not_self(address, f"peers[{index}]")
                if address not in addresses:
                    addresses.append(address)
        self._room_for(addresses)
        for host, port in addresses:
            self.book.learn(host, port, Source.MANUAL)
        await self.joiner.ping(addresses)
        answered = [
            p.address for p in (self.book.get(*a) for a in addresses) if p and p.state == State.LIVE
        ]
        if answered:
            await self.network.join(answered)
        return [p for p in (self.book.get(*a) for a in addresses) if p is not None]

    async def register_node(self, host: str, port: int, node_id: bytes, service: str) -> Peer:
        """Peer exchange: another service announces its DHT node."""
        ip = check_ip(host)
        check_port(port)
        if node_id:
            check_node_id(node_id)
        if len(service.encode()) > k.SERVICE_NAME_MAX_BYTES or not service.isprintable():
            raise InvalidArgument(
                f"service must be printable and at most {k.SERVICE_NAME_MAX_BYTES} bytes"
            )
        self._not_self((ip, port), "node")
        self._room_for([(ip, port)])
        self.book.learn(ip, port, Source.EXCHANGE, node_id)
        await self.joiner.ping([(ip, port)])
        peer = self.book.get(ip, port)
        if peer is None:
            raise NotFound(f"node {ip}:{port} was dropped while registering")
        log.info("node_registered", peer=peer.key, service=service, state=peer.state.name)
        return peer

    async def refresh(self, force_dns: bool) -> RefreshResult:
        return await self.joiner.refresh(force_dns=force_dns)
