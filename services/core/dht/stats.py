"""Counters of one DHT node (read by metrics and tests)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(slots=True)
class DhtCounters:
    """Monotonic counters; ``records_held`` is filled in when read."""

    lookups: int = 0
    lookup_rpcs: int = 0
    stores_sent: int = 0
    stores_accepted: int = 0
    stores_received: int = 0
    stores_refused: int = 0
    invalid_values_seen: int = 0
    rpc_requests: int = 0
    rpc_failures: int = 0
    rpc_refusals_sent: int = 0
    rejected_datagrams: int = 0
    throttled_datagrams: int = 0
    unmatched_responses: int = 0
    handoffs_sent: int = 0
    pushbacks_sent: int = 0
    republished: int = 0
    replications_retried: int = 0
    refreshes: int = 0
    freshness_checks: int = 0
    freshness_upgrades: int = 0
    freshness_rpcs: int = 0
    freshness_dropped: int = 0
    records_held: int = 0

    def snapshot(self) -> dict[str, int]:
        return asdict(self)
