"""One peer as discovery sees it, its sources and states, and its score.

The enum values equal the contract's ``PeerSource`` and ``PeerState``
numbers so that the servicer maps them one to one; this module knows
nothing of gRPC.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import time
from dataclasses import dataclass

from services.discovery import constants as k


class Source(enum.IntEnum):
    """Where a peer was first learnt from."""

    BOOTSTRAP = 1
    DNS_SEED = 2
    CACHE = 3
    ROUTING_TABLE = 4
    EXCHANGE = 5
    MANUAL = 6


class State(enum.IntEnum):
    """Liveness as last measured."""

    LIVE = 1
    SUSPECT = 2
    DEAD = 3


class EventKind(enum.IntEnum):
    """What happened to a peer (WatchPeers)."""

    JOINED = 1
    LEFT = 2
    UPDATED = 3


Address = tuple[str, int]


def now_us() -> int:
    return time.time_ns() // 1000


@dataclass(slots=True)
class Peer:
    """One known DHT node; the book owns these and hands out copies."""

    host: str
    port: int
    source: Source
    node_id: bytes = b""
    state: State = State.SUSPECT
    first_seen_us: int = 0
    last_seen_us: int = 0
    failures: int = 0
    successes: int = 0
    total_failures: int = 0
    rtt_ms: float = 0.0
    score: float = 0.0

    @property
    def address(self) -> Address:
        return (self.host, self.port)

    @property
    def key(self) -> str:
        """Stable text key: ``host:port`` (IPv6 in brackets)."""
        return format_address(self.host, self.port)

    def copy(self) -> Peer:
        return dataclasses.replace(self)

    def rescore(self) -> None:
        self.score = compute_score(self.successes, self.total_failures, self.failures, self.rtt_ms)


def format_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def compute_score(successes: int, total_failures: int, failures: int, rtt_ms: float) -> float:
    """Higher is better: Laplace-smoothed reliability, minus consecutive
    failures, minus round-trip time (docs/discovery.md "Scoring")."""
    reliability = (successes + 1) / (successes + total_failures + 2)
    rtt = min(max(rtt_ms, 0.0), k.SCORE_RTT_CAP_MS) / k.SCORE_RTT_MS_PER_POINT
    score = k.SCORE_RELIABILITY * reliability - k.SCORE_PER_FAILURE * failures - rtt
    return round(score, 6) if math.isfinite(score) else 0.0


def smooth_rtt(previous_ms: float, sample_ms: float) -> float:
    if previous_ms <= 0:
        return sample_ms
    return (1 - k.RTT_ALPHA) * previous_ms + k.RTT_ALPHA * sample_ms


def ranking(peer: Peer) -> tuple[float, str]:
    """Sort key: best score first, ties by node id then address."""
    return (-peer.score, peer.node_id.hex() + "|" + peer.key)
