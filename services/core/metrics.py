"""Prometheus metrics shared by every service, and the HTTP endpoint.

Metrics are module-level (one registry per process); every series carries a
``service`` label so that tests running several services in one process keep
them apart.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from wsgiref.simple_server import WSGIServer

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from services.core.dht.stats import COUNTER_HELP

#: Latency buckets in seconds: from a cache hit (~0.2 ms) to a DHT lookup
#: through dead peers (seconds).
_LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)

RPC_TOTAL = Counter(
    "ipndht_rpc_total",
    "RPCs handled, by method and status code",
    ["service", "method", "code"],
)
RPC_LATENCY = Histogram(
    "ipndht_rpc_latency_seconds",
    "Server-side RPC latency, by method",
    ["service", "method"],
    buckets=_LATENCY_BUCKETS,
)
RPC_IN_FLIGHT = Gauge("ipndht_rpc_in_flight", "RPCs being handled now", ["service"])

CACHE_UP = Gauge("ipndht_cache_up", "1 when the Redis cache is reachable, else 0", ["service"])
CACHE_REQUESTS = Counter(
    "ipndht_cache_requests_total",
    "Cache lookups by result (hit, miss, error, bypass)",
    ["service", "result"],
)
CACHE_OUTAGES = Counter(
    "ipndht_cache_outages_total", "Times the cache went from up to down", ["service"]
)

SERVING = Gauge("ipndht_serving", "1 when health is SERVING, else 0", ["service"])


#: Gauges among the DHT figures (the others are monotonic counters).
_DHT_GAUGES = {
    "records_held": "Records held in the DHT store",
    "routing_table_size": "Nodes in the DHT routing table",
}


class DhtCollector(Collector):
    """The DHT node figures of each service in the process, read at scrape
    time: ``ipndht_dht_<counter>_total`` for each counter named in
    ``counters`` (with its help text), ``ipndht_dht_records_held`` and
    ``ipndht_dht_routing_table_size``. A service registers a function
    returning its node's figures."""

    def __init__(self, counters: Mapping[str, str]) -> None:
        self._lock = threading.Lock()
        self._sources: dict[str, Callable[[], Mapping[str, int]]] = {}
        self._counters = dict(counters)

    def track(self, service: str, figures: Callable[[], Mapping[str, int]]) -> None:
        with self._lock:
            self._sources[service] = figures

    def untrack(self, service: str) -> None:
        with self._lock:
            self._sources.pop(service, None)

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            sources = list(self._sources.items())
        if not sources:
            return
        read = [(service, figures()) for service, figures in sources]
        for name, text in _DHT_GAUGES.items():
            gauge = GaugeMetricFamily(f"ipndht_dht_{name}", text, labels=["service"])
            for service, values in read:
                gauge.add_metric([service], values.get(name, 0))
            yield gauge
        for name, text in self._counters.items():
            counter = CounterMetricFamily(f"ipndht_dht_{name}", text, labels=["service"])
            for service, values in read:
                counter.add_metric([service], values.get(name, 0))
            yield counter


DHT = DhtCollector(COUNTER_HELP)
REGISTRY.register(DHT)


class MetricsServer:
    """The Prometheus text endpoint on HTTP, stoppable."""

    def __init__(self, host: str, port: int) -> None:
        self._server: WSGIServer
        self._thread: threading.Thread
        self._server, self._thread = start_http_server(port, addr=host)

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
