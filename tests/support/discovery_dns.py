"""A real DNS server on a loopback UDP port (dnslib) for DNS seed tests.

Zones are plain dicts, changeable while the server runs; every question is
recorded so that tests can tell whether the seeds were asked at all.
"""

from __future__ import annotations

from typing import Any

from dnslib import AAAA, QTYPE, RR, SRV, A, DNSRecord
from dnslib.server import DNSServer

from tests.support.net import free_udp_port


class SeedResolver:
    """Answers SRV and A/AAAA from ``srv`` and ``hosts``; NXDOMAIN otherwise."""

    def __init__(self) -> None:
        self.srv: dict[str, list[tuple[str, int]]] = {}
        self.hosts: dict[str, list[str]] = {}
        self.questions: list[tuple[str, str]] = []

    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        reply = request.reply()
        qname = str(request.q.qname).rstrip(".").lower()
        qtype = QTYPE[request.q.qtype]
        self.questions.append((qname, qtype))
        if qtype == "SRV" and qname in self.srv:
            for target, port in self.srv[qname]:
                reply.add_answer(
                    RR(
                        qname,
                        QTYPE.SRV,
                        rdata=SRV(priority=10, weight=10, port=port, target=target),
                        ttl=5,
                    )
                )
        elif qtype in ("A", "AAAA") and qname in self.hosts:
            for ip in self.hosts[qname]:
                v6 = ":" in ip
                if v6 == (qtype == "AAAA"):
                    rdata = AAAA(ip) if v6 else A(ip)
                    reply.add_answer(RR(qname, getattr(QTYPE, qtype), rdata=rdata, ttl=5))
        elif qname not in self.srv and qname not in self.hosts:
            reply.header.rcode = 3  # NXDOMAIN
        return reply


class DnsServer:
    """dnslib's threaded UDP server on 127.0.0.1 and a free port."""

    def __init__(self) -> None:
        self.resolver = SeedResolver()
        self.port = free_udp_port()
        self._server = DNSServer(
            self.resolver, port=self.port, address="127.0.0.1", logger=_Quiet()
        )

    @property
    def nameserver(self) -> str:
        return f"127.0.0.1:{self.port}"

    def asked(self) -> list[tuple[str, str]]:
        return list(self.resolver.questions)

    def start(self) -> None:
        self._server.start_thread()

    def stop(self) -> None:
        self._server.stop()
        self._server.server.server_close()


class _Quiet:
    """dnslib's logger interface, logging nothing."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None
