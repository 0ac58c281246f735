"""DhtConfig: everything a DHT node is built from (the lead maps settings onto it)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from services.core.errors import InvalidArgument


@dataclass(frozen=True, slots=True)
class DhtConfig:
    """Settings of one ``DhtNode``; defaults suit one machine and tests."""

    #: UDP address to bind; port 0 picks a free port (see ``DhtNode.address``).
    host: str = "127.0.0.1"
    port: int = 0
    #: Kademlia k (bucket size, replication) and alpha (lookup parallelism).
    ksize: int = 20
    alpha: int = 3
    #: Longest wait for one RPC reply. Per-peer timeouts adapt below this from
    #: measured round trips (never below ``rpc_timeout_floor_s``).
    rpc_timeout_s: float = 1.0
    rpc_timeout_floor_s: float = 0.25
    #: Period of the routing-table refresh (lonely buckets, state save),
    #: honoured on every period.
    refresh_interval_s: float = 600.0
    #: How often records this node published are stored again on the k
    #: closest nodes (only by their publisher, and only while unexpired).
    republish_interval_s: float = 1800.0
    #: Valid answers a get/get_providers gathers before it stops looking.
    quorum: int = 3
    #: SQLite file of the record store; None keeps it in memory (tests).
    store_path: Path | None = None
    #: Routing-table JSON (node id and neighbours); None: not persisted.
    state_path: Path | None = None
    #: Records (single values plus provider entries) the store holds at most.
    store_max_records: int = 100_000
    #: Inbound request token bucket per source: sustained rate and burst.
    #: A busy service node writing through a small network sends each peer
    #: several hundred requests a second (a put is a lookup plus k stores),
    #: so 1000/s throttles floods, not honest writers. Answers to our own
    #: requests are never counted.
    rate_limit_per_s: float = 1000.0
    rate_limit_burst: float = 2000.0
    #: Sources tracked by the rate limiter (least recently seen forgotten).
    rate_limit_sources: int = 4096
    #: At most ``max_per_subnet`` nodes of one /24 (IPv4) or /48 (IPv6) per
    #: bucket. None: on for public addresses, off when bound to loopback.
    ip_diversity: bool | None = None
    max_per_subnet: int = 2
    #: Records handed off to newly seen nodes per second, at most.
    handoff_rate_per_s: float = 50.0
    #: Freshness checks of newly stored keys started per second, at most
    #: (each is FRESHNESS_FANOUT to FRESHNESS_MAX_RPCS find_value or
    #: get_providers RPCs; see ``freshness.py``).
    freshness_rate_per_s: float = 20.0
    #: A key newly taken from a STORE is checked only when it is at least
    #: this many neighbourhood radii away (the distance to the node's k-th
    #: closest known node; a key's k closest nodes lie within about one).
    #: A publisher's put reaches the k closest nodes directly, so the inner
    #: half of the neighbourhood holds the newest version; replays of old
    #: versions stick at the edge, among nodes the publisher's lookup did
    #: not pick. Checking only the outer part halves what a healthy put
    #: costs. 0 checks every new key.
    freshness_from_radii: float = 0.5
    #: Addresses to bootstrap from at start (IP literals), besides saved ones.
    bootstrap: tuple[tuple[str, int], ...] = ()
    #: Fixed node id (20 bytes); None: the saved one, else random.
    node_id: bytes | None = None

    def __post_init__(self) -> None:
        _check(self.ksize >= 1, "ksize must be at least 1")
        _check(self.alpha >= 1, "alpha must be at least 1")
        _check(0 <= self.port <= 65535, "port must be within 0..65535")
        _check(0 < self.rpc_timeout_s <= 5.0, "rpc_timeout_s must be within (0, 5]")
        _check(
            0 < self.rpc_timeout_floor_s <= self.rpc_timeout_s,
            "rpc_timeout_floor_s must be positive and at most rpc_timeout_s",
        )
        _check(self.refresh_interval_s > 0, "refresh_interval_s must be positive")
        _check(self.republish_interval_s > 0, "republish_interval_s must be positive")
        _check(self.quorum >= 1, "quorum must be at least 1")
        _check(self.store_max_records >= 1, "store_max_records must be at least 1")
        _check(self.rate_limit_per_s > 0, "rate_limit_per_s must be positive")
        _check(self.rate_limit_burst >= 1, "rate_limit_burst must be at least 1")
        _check(self.rate_limit_sources >= 1, "rate_limit_sources must be at least 1")
        _check(self.max_per_subnet >= 1, "max_per_subnet must be at least 1")
        _check(self.handoff_rate_per_s > 0, "handoff_rate_per_s must be positive")
        _check(self.freshness_rate_per_s > 0, "freshness_rate_per_s must be positive")
        _check(self.freshness_from_radii >= 0, "freshness_from_radii must be at least 0")
        _check(self.node_id is None or len(self.node_id) == 20, "node_id must be 20 bytes")
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            raise InvalidArgument(f"DHT host must be an IP address, got {self.host!r}") from None

    @property
    def diversity_enabled(self) -> bool:
        """Whether the per-bucket subnet limit applies on this node."""
        if self.ip_diversity is not None:
            return self.ip_diversity
        return not ipaddress.ip_address(self.host).is_loopback


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise InvalidArgument(f"invalid DHT config: {message}")
