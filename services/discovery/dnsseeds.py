"""DNS seeds: SRV ``_ipndht._udp.<domain>`` gives host and port; a domain
without SRV records falls back to its A/AAAA records with the default port.

The nameserver is a setting (``host:port``) so that tests and private
networks can point at their own server; empty uses the system resolver.
"""

from __future__ import annotations

import asyncio
from typing import Any

import dns.asyncresolver
import dns.exception
import dns.rdatatype
import dns.resolver

from services.core.logging import get_logger
from services.discovery import constants as k
from services.discovery import metrics
from services.discovery.addresses import check_ip
from services.discovery.model import Address

log = get_logger(__name__)

_LOOKUP_ERRORS = (dns.exception.DNSException, OSError)


def make_resolver(
    nameserver: str, timeout_s: float = k.DNS_TIMEOUT_S
) -> dns.asyncresolver.Resolver:
    """A resolver asking ``nameserver`` ("host:port"), or the system's when empty."""
    if not nameserver:
        resolver = dns.asyncresolver.Resolver()
    else:
        resolver = dns.asyncresolver.Resolver(configure=False)
        host, _, port = nameserver.rpartition(":")
        resolver.nameservers = [host.strip("[]")]
        resolver.port = int(port)
    resolver.lifetime = timeout_s
    resolver.timeout = timeout_s
    return resolver


class DnsSeeder:
    """Queries the seed domains; never raises, counts queries and failures."""

    def __init__(
        self,
        domains: list[str],
        resolver: dns.asyncresolver.Resolver,
        default_port: int = k.DEFAULT_DHT_PORT,
        service: str = "discovery",
    ) -> None:
        self.domains = domains
        self.resolver = resolver
        self.default_port = default_port
        self.service = service
        self.queries = 0
        self.failures = 0

    async def addresses(self) -> list[Address]:
        """Every address the seeds give, in seed order, without duplicates."""
        found: list[Address] = []
        results = await asyncio.gather(*(self.seed(d) for d in self.domains))
        for batch in results:
            for address in batch:
                if address not in found:
                    found.append(address)
        return found

    async def seed(self, domain: str) -> list[Address]:
        """Addresses of one seed domain: SRV first, then A/AAAA."""
        domain = domain.rstrip(".")
        srv = await self._query(k.SRV_PREFIX + domain, "SRV")
        found: list[Address] = []
        if srv is not None:
            targets = sorted(srv, key=lambda r: (r.priority, -r.weight))
            for record in targets[: k.DNS_MAX_ADDRESSES]:
                target = record.target.to_text().rstrip(".")
                for ip in await self._ips(target):
                    found.append((ip, int(record.port)))
        if not found:
            found = [(ip, self.default_port) for ip in await self._ips(domain)]
        log.info("dns_seed_answered", domain=domain, addresses=len(found))
        return found[: k.DNS_MAX_ADDRESSES]

    async def _ips(self, name: str) -> list[str]:
        ips: list[str] = []
        for rdtype in ("A", "AAAA"):
            answer = await self._query(name, rdtype)
            for record in answer or []:
                try:
                    ips.append(check_ip(record.address))
                except Exception:
                    continue
        return ips

    async def _query(self, name: str, rdtype: str) -> list[Any] | None:
        self.queries += 1
        metrics.DNS_QUERIES.labels(self.service, rdtype).inc()
        try:
            answer = await self.resolver.resolve(name, rdtype, raise_on_no_answer=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return None
        except _LOOKUP_ERRORS as exc:
            self.failures += 1
            metrics.DNS_FAILURES.labels(self.service, rdtype).inc()
            log.warning("dns_seed_failed", name=name, rdtype=rdtype, error=str(exc))
            return None
        if answer.rrset is None:
            return None
        return list(answer.rrset)
