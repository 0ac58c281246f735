"""Joining the network through discovery, for the other services.

A handle-registry or content-routing host runs ``join_via_discovery`` in the
background at start (``host.spawn(join_via_discovery(host), "join")``). It
asks discovery (``settings.discovery_addr``) for its own DHT address and its
best live peers, retrying with backoff while discovery is not up, joins the
host's DHT node through them, then registers that node with discovery (peer
exchange). It never raises: a host whose discovery is away keeps serving
from its bootstrap list and saved routing table, and once joined it no
longer needs discovery at all.
"""

from __future__ import annotations

import asyncio

import grpc

from ipndht.v1 import discovery_pb2, discovery_pb2_grpc
from services.core.errors import InvalidArgument
from services.core.host import ServiceHost
from services.core.logging import get_logger
from services.discovery import constants as k
from services.discovery.addresses import check_ip, check_port
from services.discovery.model import Address

log = get_logger(__name__)


def _address(host: str, port: int) -> Address | None:
    try:
        return (check_ip(host), check_port(port))
    except InvalidArgument:
        return None


def _parse(text: str) -> Address | None:
    host, _, port = text.rpartition(":")
    return _address(host.strip("[]"), int(port)) if port.isascii() and port.isdigit() else None


async def _attempt(host: ServiceHost, stub: discovery_pb2_grpc.DiscoveryServiceStub) -> int:
    """One round: fetch peers, join, register. Returns peers joined through."""
    dht = host.dht
    if dht is None:
        return 0
    timeout = k.JOIN_CALL_TIMEOUT_S
    status = await stub.GetStatus(discovery_pb2.GetStatusRequest(), timeout=timeout)
    reply = await stub.GetBootstrapPeers(
        discovery_pb2.GetBootstrapPeersRequest(limit=k.JOIN_BOOTSTRAP_LIMIT), timeout=timeout
    )
    found: list[Address] = []
    for candidate in [_parse(a) for a in status.addresses] + [
        _address(p.host, p.port) for p in reply.peers
    ]:
        if candidate is not None and candidate != dht.address and candidate not in found:
            found.append(candidate)
    if found:
        await dht.bootstrap(found)
    own_host, own_port = dht.address
    await stub.RegisterNode(
        discovery_pb2.RegisterNodeRequest(
            host=own_host, port=own_port, node_id=dht.node_id, service=host.spec.name
        ),
        timeout=timeout,
    )
    return len(found)


async def join_via_discovery(host: ServiceHost, max_attempts: int | None = None) -> bool:
    """Join through discovery with retries; True once joined and registered,
    False after ``max_attempts`` failed attempts (None: keep trying)."""
    delay = k.JOIN_RETRY_MIN_S
    attempt = 0
    target = host.settings.discovery_addr
    while max_attempts is None or attempt < max_attempts:
        attempt += 1
        try:
            async with grpc.aio.insecure_channel(target) as channel:
                stub = discovery_pb2_grpc.DiscoveryServiceStub(channel)
                joined = await _attempt(host, stub)
            log.info("joined_via_discovery", discovery=target, peers=joined, attempts=attempt)
            return True
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # discovery away or refusing: retry, never fail the host
            error = exc.code().name if isinstance(exc, grpc.aio.AioRpcError) else repr(exc)
            log.info("discovery_not_reachable", discovery=target, error=error, retry_s=delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, k.JOIN_RETRY_MAX_S)
    return False
