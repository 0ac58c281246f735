"""Validation of peer addresses given by clients, settings and DNS.

Every check raises ``InvalidArgument`` with a message naming the entry, so
that a request with one bad entry changes nothing.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket

from services.core.errors import InvalidArgument
from services.discovery import constants as k
from services.discovery.model import Address

_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def check_port(port: int, what: str = "port") -> int:
    if not 0 < port < 65536:
        raise InvalidArgument(f"{what} {port} is out of range: a UDP port is 1..65535")
    return port


def parse_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check_ip(host: str, what: str = "host") -> str:
    """An IP literal a DHT node can be reached at; its normal text form."""
    ip = parse_ip(host)
    if ip is None:
        raise InvalidArgument(f"{what} {host[:80]!r} is not an IP address")
    if ip.is_unspecified or ip.is_multicast:
        raise InvalidArgument(f"{what} {host!r} is not a unicast address a peer can have")
    return str(ip)


def check_host(host: str, what: str = "host") -> str:
    """An IP literal or a syntactically valid DNS host name."""
    if not host:
        raise InvalidArgument(f"{what} is empty: give an IP address or a host name")
    if len(host.encode("utf-8", "replace")) > k.HOST_MAX_BYTES:
        raise InvalidArgument(f"{what} is longer than {k.HOST_MAX_BYTES} bytes")
    if parse_ip(host) is not None:
        return check_ip(host, what)
    name = host[:-1] if host.endswith(".") else host
    labels = name.split(".")
    if not name or not all(_LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        raise InvalidArgument(
            f"{what} {host[:80]!r} is neither an IP address nor a valid host name "
            "(letters, digits and hyphens in dot-separated labels of at most 63)"
        )
    return name.lower()


def check_node_id(node_id: bytes, what: str = "node_id") -> bytes:
    if len(node_id) != k.NODE_ID_BYTES:
        raise InvalidArgument(f"{what} must be {k.NODE_ID_BYTES} bytes, got {len(node_id)}")
    return node_id


def parse_host_port(entry: str) -> tuple[str, int]:
    """``host:port`` or ``[v6]:port`` checked, as (host, port)."""
    host, sep, port_text = entry.strip().rpartition(":")
    if not sep or not (port_text.isascii() and port_text.isdigit()):
        raise InvalidArgument(f"expected host:port, got {entry[:80]!r}")
    return check_host(host.strip("[]")), check_port(int(port_text))


async def resolve(host: str, port: int, timeout_s: float = k.DNS_TIMEOUT_S) -> list[Address]:
    """IP addresses of ``host`` (itself when it is an IP literal); the DHT
    package takes IP addresses only. Raises InvalidArgument when unresolvable."""
    if parse_ip(host) is not None:
        return [(check_ip(host), port)]
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_DGRAM), timeout=timeout_s
        )
    except (OSError, TimeoutError) as exc:
        raise InvalidArgument(f"host name {host!r} does not resolve: {exc}") from None
    found: list[Address] = []
    for info in infos:
        address = (str(info[4][0]), port)
        if address not in found:
            found.append(address)
    return found
