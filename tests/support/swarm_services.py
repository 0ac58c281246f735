"""Handle-registry and content-routing hosts joined to a Swarm of DHT nodes in
the same process, for the DHT fault suite.

Each service has a writer host (where records are written) and a reader
host (where they are read back), so every read crosses the DHT: no Redis
(``redis_url=""``: no shared cache, no in-process answer cache) and the
reader's local store starts empty. Every node and host it starts, the
context manager stops.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc

from ipndht.v1 import (
    common_pb2,
    content_pb2,
    content_pb2_grpc,
    handles_pb2,
    handles_pb2_grpc,
)
from ipndht_client import content as content_sdk
from ipndht_client import handles as handles_sdk
from services.content.service import build as build_content
from services.core.dht.adversary import KINDS, MaliciousNode
from services.core.dht.config import DhtConfig
from services.core.dht.node import DhtNode
from services.core.dht.swarm import Swarm
from services.core.host import CONTENT, HANDLES, ServiceHost
from services.core.nodes import build_policy
from services.core.records import keys, model
from services.core.settings import Settings
from services.handles.service import build as build_handles
from tests.support.handles_hosts import Registrar, make_registrar
from tests.support.services import make_settings, start_host

#: Swarm nodes each service host bootstraps from: a few, as a real node would
#: get from discovery; the host's own lookups find the rest.
HOST_SEEDS = 4
#: The attacker key a forgery names as owner or provider.
ATTACKER = keys.public_key_bytes(keys.generate_private_key())


def forge(raw: bytes) -> bytes:
    """A forgery of a signed record that would change what callers see: a
    handle now owned by the attacker, a provider record now signed by the
    attacker; seq raised so it would win; the old signatures kept."""
    record = model.decode(raw)
    value = record.value
    signer = record.signer
    if record.namespace == "handle":
        payload = handles_pb2.HandleRecord()
        payload.ParseFromString(record.value)
        payload.owner_key = ATTACKER
        payload.target_key = ATTACKER
        value = payload.SerializeToString(deterministic=True)
    elif record.namespace == "provider":
        signer = ATTACKER
    return dataclasses.replace(record, value=value, signer=signer, seq=record.seq + 100).encode()


@dataclass
class SwarmServices:
    """The swarm, the four hosts and stubs to them (see the module docstring)."""

    swarm: Swarm
    registrar: Registrar
    handles_writer: ServiceHost
    handles_reader: ServiceHost
    content_writer: ServiceHost
    content_reader: ServiceHost
    malicious: list[MaliciousNode] = field(default_factory=list)
    channels: list[grpc.aio.Channel] = field(default_factory=list)

    def _channel(self, host: ServiceHost) -> grpc.aio.Channel:
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}")
        self.channels.append(channel)
        return channel

    def handles(self, host: ServiceHost) -> handles_pb2_grpc.HandleRegistryServiceStub:
        return handles_pb2_grpc.HandleRegistryServiceStub(self._channel(host))

    def content(self, host: ServiceHost) -> content_pb2_grpc.ContentRoutingServiceStub:
        return content_pb2_grpc.ContentRoutingServiceStub(self._channel(host))

    @property
    def hosts(self) -> list[ServiceHost]:
        return [self.handles_writer, self.handles_reader, self.content_writer, self.content_reader]

    @property
    def honest(self) -> list[DhtNode]:
        return [n for n in self.swarm.alive if not isinstance(n, MaliciousNode)]


def _settings(tmp_path: Path, reg: Registrar, name: str, seeds: list[DhtNode]) -> Settings:
    return make_settings(
        tmp_path / name,
        registrar_key_file=reg.path,
        trusted_registrars=[reg.public_hex],
        bootstrap=[f"{ip}:{port}" for ip, port in (n.address for n in seeds)],
        metrics_enabled=False,
    )


@contextlib.asynccontextmanager
async def swarm_services(
    tmp_path: Path,
    nodes: int,
    *,
    malicious: int = 0,
    seed: int = 0,
    template: DhtConfig | None = None,
) -> AsyncIterator[SwarmServices]:
    """``nodes`` honest swarm nodes (durable stores, so a restart keeps
    records), then ``malicious`` adversaries of every kind, then the hosts."""
    reg = make_registrar(tmp_path)
    policy = build_policy(_settings(tmp_path, reg, "policy", []))
    store_dir = tmp_path / "swarm"
    store_dir.mkdir()
    swarm = Swarm(policy, template=template, store_dir=store_dir, seed=seed)
    rng = random.Random(seed)
    hosts: list[ServiceHost] = []
    system: SwarmServices | None = None
    try:
        await swarm.start(nodes)
        bad: list[MaliciousNode] = []
        if malicious:
            kinds = itertools.cycle(KINDS)

            def make_bad(cfg: DhtConfig) -> DhtNode:
                return MaliciousNode(cfg, policy, kind=next(kinds), forge=forge)

            made = await swarm.add(malicious, factory=make_bad)
            bad = [m for m in made if isinstance(m, MaliciousNode)]
        honest = [n for n in swarm.nodes if not isinstance(n, MaliciousNode)]
        plan = [
            ("handles-writer", HANDLES, build_handles),
            ("handles-reader", HANDLES, build_handles),
            ("content-writer", CONTENT, build_content),
            ("content-reader", CONTENT, build_content),
        ]
        for name, spec, build in plan:
            seeds = rng.sample(honest, min(HOST_SEEDS, len(honest)))
            hosts.append(await start_host(_settings(tmp_path, reg, name, seeds), spec, build))
        writer, reader, cwriter, creader = hosts
        system = SwarmServices(swarm, reg, writer, reader, cwriter, creader, malicious=bad)
        yield system
    finally:
        if system is not None:
            for channel in system.channels:
                await channel.close()
        for host in hosts:
            await host.stop(grace_s=0)
        await swarm.stop()


async def restart(swarm: Swarm, node: DhtNode) -> DhtNode:
    """``swarm.restart(node)``; when another socket took the node's port
    while it was down (ports are ephemeral), the node comes back with the
    same id and store at a new port, as a host given a new address would."""
    try:
        return await swarm.restart(node)
    except OSError:
        return await swarm.restart(node, port=0)


@dataclass(frozen=True)
class Written:
    """Records written through the writer hosts, with what a reader must see."""

    #: handle -> owner public key
    handles: dict[str, bytes]
    #: (content hash, provider public key)
    contents: list[tuple[common_pb2.ContentHash, bytes]]


async def write_records(system: SwarmServices, handles: int, contents: int, tag: str) -> Written:
    """Register ``handles`` handles and provide ``contents`` hashes through the
    writer hosts; every write must succeed."""
    hstub = system.handles(system.handles_writer)
    cstub = system.content(system.content_writer)
    owners: dict[str, bytes] = {}
    for i in range(handles):
        key = keys.generate_private_key()
        name = f"@{tag}-{i}.ipn"
        record = handles_sdk.register(key, name)
        await hstub.Register(handles_pb2.RegisterRequest(record=record), timeout=20)
        owners[name] = keys.public_key_bytes(key)
    provided: list[tuple[common_pb2.ContentHash, bytes]] = []
    for _ in range(contents):
        key = keys.generate_private_key()
        content = common_pb2.ContentHash(
            algorithm=common_pb2.HASH_ALGORITHM_BLAKE3, digest=os.urandom(32)
        )
        record = content_sdk.provider_record(key, content, ["tcp://127.0.0.1:1"])
        await cstub.Provide(content_pb2.ProvideRequest(record=record), timeout=20)
        provided.append((content, keys.public_key_bytes(key)))
    return Written(owners, provided)


def status_of(exc: BaseException) -> Any:
    """The gRPC status code of a failed call, else the exception's type name."""
    if isinstance(exc, grpc.aio.AioRpcError):
        return exc.code()
    return type(exc).__name__
