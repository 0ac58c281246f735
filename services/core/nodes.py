"""Building a process's DHT node from the settings: config, record policy,
bootstrap addresses (host names resolved) and the minimum-peer gate."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from pathlib import Path

from services.content import index_records
from services.core import errors
from services.core.dht.config import DhtConfig
from services.core.dht.node import DhtNode
from services.core.logging import get_logger
from services.core.records.rules import SignedRecordPolicy
from services.core.settings import Settings
from services.handles.names import normalize_handle

log = get_logger(__name__)


def _handle_name_check(key: str) -> None:
    """A handle record's key must be a handle in its normal form."""
    if normalize_handle(key) != key:
        raise errors.InvalidRecord(f"handle key {key!r} is not in normal form")


def trusted_registrars(settings: Settings) -> list[bytes]:
    """IPNDHT_TRUSTED_REGISTRARS plus the keys listed in IPNDHT_TRUSTED_REGISTRARS_FILE."""
    found = [bytes.fromhex(k) for k in settings.trusted_registrars]
    path = settings.trusted_registrars_file
    if path is not None:
        try:
            lines = path.read_text().split()
        except OSError as exc:
            raise errors.FailedPrecondition(
                f"IPNDHT_TRUSTED_REGISTRARS_FILE {path} cannot be read: {exc.strerror}"
            ) from None
        for line in lines:
            try:
                key = bytes.fromhex(line)
            except ValueError:
                key = b""
            if len(key) != 32:
                raise errors.FailedPrecondition(
                    f"IPNDHT_TRUSTED_REGISTRARS_FILE {path}: {line!r} is not 64 hex digits"
                )
            found.append(key)
    return list(dict.fromkeys(found))


def build_policy(settings: Settings) -> SignedRecordPolicy:
    """The signed-record policy with the trusted registrar set of the settings.

    Every process's node must accept every namespace of the system, so the
    index namespaces of content routing are registered here too.
    """
    index_records.register()
    return SignedRecordPolicy(trusted_registrars(settings), handle_name_check=_handle_name_check)


def dht_config(settings: Settings, port: int, data_dir: Path | None) -> DhtConfig:
    """The DhtConfig of a node on ``port`` keeping its state in ``data_dir``."""
    diversity = {"auto": None, "on": True, "off": False}[settings.dht_ip_diversity]
    return DhtConfig(
        host=settings.dht_host,
        port=port,
        ksize=settings.dht_ksize,
        alpha=settings.dht_alpha,
        rpc_timeout_s=settings.dht_rpc_timeout_ms / 1000,
        rpc_timeout_floor_s=min(0.25, settings.dht_rpc_timeout_ms / 1000),
        refresh_interval_s=settings.dht_refresh_interval_s,
        republish_interval_s=settings.dht_republish_interval_s,
        quorum=settings.dht_quorum,
        store_path=None if data_dir is None else data_dir / "records.sqlite3",
        state_path=None if data_dir is None else data_dir / "routing.json",
        store_max_records=settings.dht_store_max_records,
        rate_limit_per_s=settings.dht_rate_limit_per_s,
        rate_limit_burst=settings.dht_rate_limit_per_s * 2,
        ip_diversity=diversity,
    )


async def resolve_peers(entries: list[str]) -> list[tuple[str, int]]:
    """host:port entries as (IP, port); host names are resolved (the kademlia
    package takes IP addresses only). Unresolvable entries are logged and skipped."""
    loop = asyncio.get_running_loop()
    found: list[tuple[str, int]] = []
    for entry in entries:
        host, _, port_text = entry.rpartition(":")
        host = host.strip("[]")
        port = int(port_text)
        try:
            ipaddress.ip_address(host)
            found.append((host, port))
            continue
        except ValueError:
            pass
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, port, type=socket.SOCK_DGRAM), timeout=2.0
            )
        except (OSError, TimeoutError) as exc:
            log.warning("bootstrap_host_unresolved", host=host, error=str(exc))
            continue
        for info in infos:
            address = (str(info[4][0]), port)
            if address not in found:
                found.append(address)
    return found


def live_peers(node: DhtNode) -> int:
    """Peers in the node's routing table (the package drops ones that stop answering)."""
    return len(node.neighbours())
