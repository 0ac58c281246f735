"""Discovery hosts and plain DHT nodes for discovery tests, on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import grpc

from ipndht.v1 import discovery_pb2_grpc
from services.core.dht.swarm import Swarm
from services.core.host import DISCOVERY, ServiceHost
from services.core.nodes import build_policy
from services.core.settings import Settings
from services.discovery.discovery import Discovery
from services.discovery.service import install
from tests.support.services import make_settings

#: Fast liveness for tests: pings every 0.3 s, a dead peer costs 0.3 s per
#: ping, two failures evict.
FAST: dict[str, Any] = {
    "peer_ping_interval_s": 0.3,
    "dht_rpc_timeout_ms": 300,
    "peer_max_failures": 2,
    "dns_seed_delay_s": 0.5,
    "peer_cache_flush_s": 0.5,
}


def fast_settings(tmp_path: Path, **overrides: Any) -> Settings:
    return make_settings(tmp_path, **{**FAST, **overrides})


class DiscoveryHost:
    """A started discovery host and its Discovery object."""

    def __init__(self, host: ServiceHost, discovery: Discovery) -> None:
        self.host = host
        self.discovery = discovery

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.host.grpc_port}"

    @property
    def dht_address(self) -> tuple[str, int]:
        assert self.host.dht is not None
        return self.host.dht.address


async def start_discovery(settings: Settings) -> DiscoveryHost:
    holder: list[Discovery] = []

    async def build(host: ServiceHost) -> None:
        holder.append(await install(host))

    host = ServiceHost(settings, DISCOVERY)
    try:
        await host.start(build)
    except BaseException:
        await host.stop(grace_s=0)
        raise
    return DiscoveryHost(host, holder[0])


@asynccontextmanager
async def discovery_host(settings: Settings) -> AsyncIterator[DiscoveryHost]:
    dh = await start_discovery(settings)
    try:
        yield dh
    finally:
        await dh.host.stop(grace_s=0)


@asynccontextmanager
async def stub_for(
    dh: DiscoveryHost,
) -> AsyncIterator[discovery_pb2_grpc.DiscoveryServiceStub]:
    async with grpc.aio.insecure_channel(dh.target) as channel:
        yield discovery_pb2_grpc.DiscoveryServiceStub(channel)


@asynccontextmanager
async def dht_nodes(settings: Settings, count: int) -> AsyncIterator[Swarm]:
    """``count`` plain DHT nodes on loopback (not joined to anything)."""
    swarm = Swarm(build_policy(settings))
    try:
        await swarm.start(count, fanout=0)
        yield swarm
    finally:
        await swarm.stop()
