"""Prometheus series of the discovery service (one registry per process;
the ``service`` label keeps in-process test services apart)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

PEERS = Gauge(
    "ipndht_discovery_peers", "Known peers by source and state", ["service", "source", "state"]
)
ROUTING_TABLE = Gauge(
    "ipndht_discovery_routing_table_size", "Nodes in the DHT routing table", ["service"]
)
DNS_QUERIES = Counter(
    "ipndht_discovery_dns_queries_total", "DNS seed queries sent, by type", ["service", "rdtype"]
)
DNS_FAILURES = Counter(
    "ipndht_discovery_dns_failures_total",
    "DNS seed queries that failed (timeout, refused, server error)",
    ["service", "rdtype"],
)
PINGS = Counter("ipndht_discovery_pings_total", "Liveness pings by result", ["service", "result"])
LOOKUP_LATENCY = Histogram(
    "ipndht_discovery_lookup_seconds",
    "Latency of the DHT self-lookups a refresh runs",
    ["service"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
