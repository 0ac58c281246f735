"""DNS seeds against a real DNS server on a loopback port: SRV and A seeds are
asked only when the cache and the bootstrap list fall short of min_peers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from ipndht.v1 import common_pb2, discovery_pb2
from services.discovery import constants as k
from services.discovery.dnsseeds import DnsSeeder, make_resolver
from services.discovery.model import Source, State
from tests.support.discovery_dns import DnsServer
from tests.support.discovery_harness import dht_nodes, discovery_host, fast_settings, stub_for
from tests.support.waiting import eventually


@pytest.fixture
def dns() -> Iterator[DnsServer]:
    server = DnsServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _addr(address: tuple[str, int]) -> str:
    return f"{address[0]}:{address[1]}"


async def test_seeds_not_asked_when_bootstrap_list_meets_min_peers(
    tmp_path: Path, dns: DnsServer
) -> None:
    """Two live bootstrap peers meet min_peers=2: the DNS server hears nothing."""
    async with dht_nodes(fast_settings(tmp_path), 3) as swarm:
        a, b, c = swarm.nodes
        dns.resolver.srv["_ipndht._udp.seed.test"] = [("n.seed.test", c.address[1])]
        dns.resolver.hosts["n.seed.test"] = ["127.0.0.1"]
        settings = fast_settings(
            tmp_path,
            min_peers=2,
            bootstrap=f"{_addr(a.address)},{_addr(b.address)}",
            dns_seeds="seed.test",
            dns_nameserver=dns.nameserver,
        )
        async with discovery_host(settings) as dh:
            book = dh.discovery.book
            assert await eventually(lambda: book.live_count() >= 2, 5)
            await asyncio.sleep(settings.dns_seed_delay_s + 0.5)
            assert dns.asked() == []
            assert book.get(*c.address) is None
            assert {p.source for p in book.live()} <= {Source.BOOTSTRAP, Source.ROUTING_TABLE}


async def test_srv_seed_used_when_bootstrap_list_falls_short(
    tmp_path: Path, dns: DnsServer
) -> None:
    """One bootstrap peer for min_peers=2: after the delay the SRV seed is asked
    and its target (host resolved by A, port from SRV) becomes a live DNS_SEED peer."""
    async with dht_nodes(fast_settings(tmp_path), 2) as swarm:
        a, c = swarm.nodes
        dns.resolver.srv["_ipndht._udp.seed.test"] = [("n.seed.test", c.address[1])]
        dns.resolver.hosts["n.seed.test"] = ["127.0.0.1"]
        settings = fast_settings(
            tmp_path,
            min_peers=2,
            bootstrap=_addr(a.address),
            dns_seeds="seed.test",
            dns_nameserver=dns.nameserver,
        )
        async with discovery_host(settings) as dh:
            book = dh.discovery.book
            assert await eventually(lambda: book.live_count() >= 2, 8)
            peer = book.get(*c.address)
            assert peer is not None and peer.source == Source.DNS_SEED
            assert peer.state == State.LIVE and peer.node_id == c.node_id
            assert ("_ipndht._udp.seed.test", "SRV") in dns.asked()
            assert ("n.seed.test", "A") in dns.asked()


async def test_a_record_fallback_uses_the_default_port(tmp_path: Path, dns: DnsServer) -> None:
    """A seed domain without SRV records gives its A/AAAA addresses with port 8468."""
    dns.resolver.hosts["plain.test"] = ["127.0.0.9", "::1"]
    seeder = DnsSeeder(["plain.test", "missing.test"], make_resolver(dns.nameserver))
    found = await seeder.addresses()
    assert found == [("127.0.0.9", k.DEFAULT_DHT_PORT), ("::1", k.DEFAULT_DHT_PORT)]
    assert ("_ipndht._udp.plain.test", "SRV") in dns.asked()
    assert seeder.failures == 0


async def test_bootstrap_rpc_forces_dns_and_reports_it(tmp_path: Path, dns: DnsServer) -> None:
    """Bootstrap(force_dns) asks the seeds even with enough peers, and says so."""
    async with dht_nodes(fast_settings(tmp_path), 2) as swarm:
        a, c = swarm.nodes
        dns.resolver.srv["_ipndht._udp.seed.test"] = [("n.seed.test", c.address[1])]
        dns.resolver.hosts["n.seed.test"] = ["127.0.0.1"]
        settings = fast_settings(
            tmp_path,
            min_peers=1,
            bootstrap=_addr(a.address),
            dns_seeds="seed.test",
            dns_nameserver=dns.nameserver,
        )
        async with discovery_host(settings) as dh, stub_for(dh) as stub:
            assert await eventually(lambda: dh.discovery.book.live_count() >= 1, 5)
            plain = await stub.Bootstrap(discovery_pb2.BootstrapRequest(), timeout=10)
            assert not plain.dns_queried and dns.asked() == []
            forced = await stub.Bootstrap(
                discovery_pb2.BootstrapRequest(force_dns=True), timeout=10
            )
            assert forced.dns_queried and forced.live_peers == 2
            sources = {p.port: p.source for p in forced.peers}
            assert sources[c.address[1]] == common_pb2.PEER_SOURCE_DNS_SEED


async def test_dead_nameserver_counts_failures_and_gives_nothing(tmp_path: Path) -> None:
    """A seed whose nameserver does not answer is a counted failure, not a crash."""
    from tests.support.net import free_udp_port

    seeder = DnsSeeder(["seed.test"], make_resolver(f"127.0.0.1:{free_udp_port()}", timeout_s=0.3))
    assert await seeder.addresses() == []
    assert seeder.failures >= 1
