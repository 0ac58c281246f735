"""Handle registries for tests: a registrar key trusted by every node, and
in-process registry hosts on free loopback ports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from ipndht.v1 import handles_pb2_grpc
from services.core import keyfile
from services.core.host import HANDLES, ServiceHost
from services.core.records import keys
from services.core.records.keys import Ed25519PrivateKey
from services.handles.service import build
from tests.support.services import make_settings, start_host


@dataclass
class Registrar:
    """A registrar key written to a file, and its public key in hex."""

    key: Ed25519PrivateKey
    path: Path

    @property
    def public_hex(self) -> str:
        return keys.public_key_bytes(self.key).hex()


def make_registrar(directory: Path) -> Registrar:
    key = keys.generate_private_key()
    path = directory / "registrar.key"
    keyfile.write_key(path, key)
    return Registrar(key, path)


async def start_registry(
    tmp_path: Path, reg: Registrar, name: str = "r1", **overrides: Any
) -> ServiceHost:
    """A registry host trusting ``reg`` with its own data dir under tmp_path."""
    values: dict[str, Any] = {
        "registrar_key_file": reg.path,
        "trusted_registrars": [reg.public_hex],
    }
    values.update(overrides)
    settings = make_settings(tmp_path / name, **values)
    return await start_host(settings, HANDLES, build)


def stub(channel: grpc.aio.Channel) -> handles_pb2_grpc.HandleRegistryServiceStub:
    return handles_pb2_grpc.HandleRegistryServiceStub(channel)


def channel(host: ServiceHost) -> grpc.aio.Channel:
    return grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}")


def dht_address(host: ServiceHost) -> tuple[str, int]:
    """The UDP address of a started host's DHT node."""
    assert host.dht is not None, "the host is not started"
    return host.dht.address


Stub = handles_pb2_grpc.HandleRegistryServiceStub
#: A started registry host, a stub connected to it, and its registrar.
Fixture = tuple[ServiceHost, Stub, Registrar]


def pub(key: Ed25519PrivateKey) -> bytes:
    """The raw public key of ``key``."""
    return keys.public_key_bytes(key)
