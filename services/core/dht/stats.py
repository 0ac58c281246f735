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
    rpc_stall_extensions: int = 0
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


#: What each counter counts, for the metrics endpoint and the docs.
COUNTER_HELP: dict[str, str] = {
    "lookups": "Iterative lookups started (gets, puts, provider reads, refreshes)",
    "lookup_rpcs": "find_node/find_value/get_providers RPCs sent by lookups",
    "stores_sent": "STORE and ADD_PROVIDER RPCs sent",
    "stores_accepted": "STOREs sent that the holder accepted",
    "stores_received": "Inbound STOREs taken (valid and not older than what is held)",
    "stores_refused": "Inbound STOREs refused (invalid, older, not responsible, store full)",
    "invalid_values_seen": "Invalid records received in answers (forged, expired, malformed)",
    "rpc_requests": "Inbound RPC requests served",
    "rpc_failures": "Outbound RPCs that timed out",
    "rpc_stall_extensions": "RPC deadlines moved on for a stall of this node's own event loop",
    "rpc_refusals_sent": "Inbound requests answered with a refusal",
    "rejected_datagrams": "Inbound datagrams dropped as malformed or oversized",
    "throttled_datagrams": "Inbound datagrams dropped by the per-source rate limit",
    "unmatched_responses": "Responses matching no outstanding request (late or spoofed)",
    "handoffs_sent": "Records handed off to newly met nodes closer to their keys",
    "pushbacks_sent": "Best records pushed back to holders that answered a worse one",
    "republished": "Own records republished before they expire",
    "replications_retried": "Puts stored a second time because no holder took the first",
    "refreshes": "Routing-table refresh passes",
    "freshness_checks": "Newly taken records compared with their closest holders",
    "freshness_upgrades": "Newly taken records replaced by a newer version found",
    "freshness_rpcs": "RPCs sent by freshness checks",
    "freshness_dropped": "Freshness checks dropped because the queue was full",
}
