"""How discovery fills its peer book: the sources in Bitcoin Core's order.

1. the peer cache (disk, then the shared Redis mirror) and the static
   bootstrap list (host names resolved), pinged together;
2. the DHT routing table (nodes that contacted us or that lookups found);
3. DNS seeds, only when 1 and 2 have not given ``min_peers`` live peers
   within ``dns_seed_delay_s``, or when forced.

Peer exchange (RegisterNode) and manual entries (AddPeers) arrive through
``Discovery``; they are pinged the same way.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from services.core.errors import InvalidArgument
from services.core.logging import get_logger
from services.discovery import constants as k
from services.discovery import metrics
from services.discovery.addresses import parse_host_port, resolve
from services.discovery.dnsseeds import DnsSeeder
from services.discovery.model import Address, Peer, Source
from services.discovery.network import Network, gather_pings
from services.discovery.peerbook import PeerBook
from services.discovery.peercache import PeerStore

log = get_logger(__name__)


@dataclass(slots=True)
class RefreshResult:
    """Peers found or confirmed by one refresh."""

    peers: list[Peer] = field(default_factory=list)
    live: int = 0
    dns_queried: bool = False


class Joiner:
    """Runs the sources against the book and the network."""

    def __init__(
        self,
        book: PeerBook,
        network: Network,
        *,
        bootstrap: list[str],
        stores: list[PeerStore],
        seeder: DnsSeeder | None,
        min_peers: int,
        service: str = "discovery",
    ) -> None:
        self.book = book
        self.network = network
        self.bootstrap = bootstrap
        self.stores = stores
        self.seeder = seeder
        self.min_peers = min_peers
        self.service = service
        self.dns_queries = 0
        self._lock = asyncio.Lock()
        self._pings = {
            result: metrics.PINGS.labels(service, result) for result in ("answered", "failed")
        }

    # -- liveness -------------------------------------------------------------------

    async def ping(self, addresses: list[Address]) -> list[Peer]:
        """Ping ``addresses`` (already in the book); the peers that answered."""
        answered: list[Peer] = []
        for (host, port), reply in await gather_pings(self.network, addresses):
            if reply is None:
                self._pings["failed"].inc()
                self.book.record_failure(host, port)
                continue
            self._pings["answered"].inc()
            node_id, rtt_ms = reply
            peer = self.book.record_success(host, port, node_id, rtt_ms)
            if peer is not None:
                answered.append(peer)
        return answered

    async def absorb_routing_table(self) -> list[Peer]:
        """Learn routing-table nodes the book does not know, and ping them."""
        new: list[Address] = []
        for node_id, host, port in self.network.neighbours():
            if self.book.get(host, port) is None and len(self.book) < self.book.capacity:
                self.book.learn(host, port, Source.ROUTING_TABLE, node_id)
                new.append((host, port))
        return await self.ping(new) if new else []

    # -- sources --------------------------------------------------------------------

    async def load_cache(self) -> int:
        restored = 0
        for store in self.stores:
            for peer in await store.load():
                if peer.address != self.network.address:
                    peer.source = Source.CACHE
                    restored += int(self.book.restore(peer))
        return restored

    async def bootstrap_addresses(self) -> list[Address]:
        found: list[Address] = []
        for entry in self.bootstrap:
            try:
                host, port = parse_host_port(entry)
                found.extend(await resolve(host, port))
            except InvalidArgument as exc:
                log.warning("bootstrap_entry_skipped", entry=entry, error=exc.message)
        return [a for a in found if a != self.network.address]

    def _learn(self, addresses: list[Address], source: Source) -> list[Address]:
        learnt: list[Address] = []
        for host, port in addresses:
            if (host, port) == self.network.address or len(self.book) >= self.book.capacity:
                continue
            self.book.learn(host, port, source)
            learnt.append((host, port))
        return learnt

    async def _confirm(self, addresses: list[Address], result: RefreshResult) -> None:
        answered = await self.ping(addresses)
        result.peers.extend(answered)
        if answered:
            await self.network.join([p.address for p in answered][: k.BOOTSTRAP_LIMIT_MAX])
        result.peers.extend(await self.absorb_routing_table())

    async def _wait_for_peers(self, deadline: float) -> None:
        while self.book.live_count() < self.min_peers and time.monotonic() < deadline:
            await asyncio.sleep(k.JOIN_POLL_S)
            await self.absorb_routing_table()

    async def refresh(self, *, force_dns: bool = False, wait_s: float = 0.0) -> RefreshResult:
        """Every source in order; DNS seeds only when short of ``min_peers``
        live peers after ``wait_s`` seconds, or when forced."""
        async with self._lock:
            deadline = time.monotonic() + wait_s
            result = RefreshResult()
            await self.load_cache()
            self._learn(await self.bootstrap_addresses(), Source.BOOTSTRAP)
            await self._confirm(self.book.addresses(), result)
            await self._wait_for_peers(deadline)
            if (
                self.seeder is not None
                and self.seeder.domains
                and (force_dns or self.book.live_count() < self.min_peers)
            ):
                result.dns_queried = True
                self.dns_queries += 1
                found = self._learn(await self.seeder.addresses(), Source.DNS_SEED)
                await self._confirm(found, result)
            seen: dict[str, Peer] = {}
            for peer in result.peers:
                seen[peer.key] = peer
            result.peers = [self.book.get(*p.address) or p for p in seen.values()]
            result.live = self.book.live_count()
            log.info(
                "peers_refreshed",
                live=result.live,
                confirmed=len(result.peers),
                dns=result.dns_queried,
            )
            return result
