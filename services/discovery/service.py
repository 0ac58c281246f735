"""Wiring of the discovery service into its host: the peer book, its
stores, the DNS seeder and the background work."""

from __future__ import annotations

from ipndht.v1 import discovery_pb2_grpc
from services.core.host import ServiceHost
from services.discovery import constants as k
from services.discovery.discovery import Discovery, Timing
from services.discovery.dnsseeds import DnsSeeder, make_resolver
from services.discovery.joining import Joiner
from services.discovery.network import DhtNetwork
from services.discovery.peerbook import PeerBook
from services.discovery.peercache import PeerStore, RedisPeerStore, SqlitePeerStore
from services.discovery.servicer import DiscoveryServicer

PEER_CACHE_FILE = "peers.sqlite3"


def make_discovery(host: ServiceHost) -> Discovery:
    """A Discovery over the host's DHT node, cache and settings."""
    s = host.settings
    if host.dht is None:
        raise RuntimeError("the host's DHT node is not started")
    network = DhtNetwork(host.dht, host.spec.name)
    book = PeerBook(s.peer_max_failures, own=network.address)
    stores: list[PeerStore] = [
        SqlitePeerStore(host.data_dir / PEER_CACHE_FILE),
        RedisPeerStore(host.cache),
    ]
    seeder = (
        DnsSeeder(
            list(s.dns_seeds), make_resolver(s.dns_nameserver), k.DEFAULT_DHT_PORT, host.spec.name
        )
        if s.dns_seeds
        else None
    )
    joiner = Joiner(
        book,
        network,
        bootstrap=list(s.bootstrap),
        stores=stores,
        seeder=seeder,
        min_peers=s.min_peers,
        service=host.spec.name,
    )
    timing = Timing(s.peer_ping_interval_s, s.peer_cache_flush_s, s.dns_seed_delay_s)
    return Discovery(book, joiner, stores, timing, service=host.spec.name)


async def install(host: ServiceHost) -> Discovery:
    """Add the discovery servicer; join, ping and flush in the background.
    Returns the Discovery (tests and the host's min-peer gate read it)."""
    discovery = make_discovery(host)
    host.live_peers_fn = discovery.live_count
    discovery_pb2_grpc.add_DiscoveryServiceServicer_to_server(
        DiscoveryServicer(discovery), host.server
    )
    host.spawn(discovery.join(), "discovery-join")
    host.spawn(discovery.maintain(), "discovery-liveness")
    host.spawn(discovery.flush_forever(), "discovery-cache-flush")
    host.on_stop(discovery.flush)
    return discovery


async def build(host: ServiceHost) -> None:
    """The host's build function for the discovery service."""
    await install(host)
