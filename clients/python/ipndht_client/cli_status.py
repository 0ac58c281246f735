"""``ipndht status``: one table of the three services.

Where each cell comes from:

- **health**: ``grpc.health.v1.Health/Check`` for the service's name
  (``DOWN`` when it cannot be reached);
- **peers** and **records** (discovery): ``DiscoveryService/GetStatus``:
  live peers against ``min_peers``, and ``counters.records_held`` of
  discovery's DHT node; the other services expose no such counts over gRPC;
- **cache**: the ``ipndht_cache_up`` gauge of the service's Prometheus
  endpoint (``http://<host>:9101..9103/metrics`` by default, ``--metrics``
  to point elsewhere); ``?`` when that endpoint does not answer;
- **detail**: discovery's node id and uptime (GetStatus); the registrar key
  and trusted set size (``HandleRegistryService/GetRegistrarInfo``).

The exit code is 0 when all three are SERVING, else 7.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import click

from ipndht_client.cli_context import SERVICES, State, pass_state, split_pairs
from ipndht_client.cli_errors import UNAVAILABLE, CliFailure
from ipndht_client.cli_output import to_jsonable
from ipndht_client.client import Client
from ipndht_client.errors import IpndhtError

#: Default Prometheus port of each service (DESIGN.md "Fixed names").
DEFAULT_METRICS_PORTS = {"discovery": 9101, "handles": 9102, "content": 9103}
#: A metrics endpoint gets at most this long: it is a side show of status.
METRICS_TIMEOUT_S = 2.0
#: Service names as the ``service`` label of the metrics gives them.
METRIC_LABELS = {
    "discovery": "discovery",
    "handles": "handle-registry",
    "content": "content-routing",
}
_CACHE_UP = re.compile(r'^ipndht_cache_up\{[^}]*service="([^"]*)"[^}]*\}\s+(\S+)', re.M)


@dataclass
class Row:
    """What status learnt about one service."""

    service: str
    endpoint: str
    health: str = "?"
    peers: str = "-"
    records: str = "-"
    cache: str = "?"
    detail: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


def metrics_url(service: str, endpoint: str, overrides: dict[str, str]) -> str:
    if service in overrides:
        return overrides[service]
    host = endpoint.rpartition(":")[0] or "127.0.0.1"
    return f"http://{host}:{DEFAULT_METRICS_PORTS[service]}/metrics"


def cache_state(text: str, service: str) -> bool | None:
    """``ipndht_cache_up`` for ``service`` in Prometheus text (None: absent)."""
    values = {label: value for label, value in _CACHE_UP.findall(text)}
    value = values.get(METRIC_LABELS[service])
    if value is None and len(values) == 1:
        value = next(iter(values.values()))
    if value is None:
        return None
    try:
        return float(value) >= 1.0
    except ValueError:
        return None


def _fetch(url: str, timeout_s: float) -> str | None:
    if not url.startswith(("http://", "https://")):
        return None
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as answer:
            return str(answer.read(4 << 20).decode("utf-8", "replace"))
    except (OSError, urllib.error.URLError, ValueError):
        return None


def _health(client: Client, row: Row) -> None:
    try:
        row.health = client.health(row.service)
    except IpndhtError as exc:
        row.health = "DOWN"
        row.errors["health"] = str(exc)


def _discovery(client: Client, row: Row) -> None:
    try:
        status = client.discovery.status()
    except IpndhtError as exc:
        row.errors["status"] = str(exc)
        return
    met = "met" if status.min_peers_met else "NOT met"
    row.peers = f"{status.live_peers} live (min {status.min_peers}, {met})"
    row.records = str(status.counters.records_held)
    row.detail = f"node {bytes(status.node_id).hex()[:12]}, up {status.uptime_s:.0f} s"
    row.raw["status"] = to_jsonable(status)


def _handles(client: Client, row: Row) -> None:
    try:
        info = client.handles.registrar_info()
    except IpndhtError as exc:
        row.errors["registrar"] = str(exc)
        return
    trusted = len(info.trusted_registrars)
    row.detail = f"registrar {bytes(info.registrar_key).hex()[:12]}, {trusted} trusted"
    row.raw["registrar"] = to_jsonable(info)


def collect(state: State, metrics: dict[str, str], use_metrics: bool) -> list[Row]:
    client = state.client("discovery")
    rows = [Row(service, state.endpoint(service)) for service in SERVICES]
    for row in rows:
        _health(client, row)
        if row.health == "DOWN":
            continue
        if row.service == "discovery":
            _discovery(client, row)
        elif row.service == "handles":
            _handles(client, row)
    for row in rows:
        if not use_metrics:
            row.cache = "-"
            continue
        url = metrics_url(row.service, row.endpoint, metrics)
        text = _fetch(url, min(state.timeout_s, METRICS_TIMEOUT_S))
        up = cache_state(text, row.service) if text is not None else None
        row.cache = "?" if up is None else ("up" if up else "DOWN")
        row.raw["metrics_url"] = url
        row.raw["cache_up"] = up
    return rows


@click.command()
@click.option(
    "--metrics",
    multiple=True,
    metavar="SERVICE=URL",
    help="Prometheus URL of a service (discovery, handles, content) for the cache column.",
)
@click.option("--no-metrics", is_flag=True, help="Do not read the metrics endpoints.")
@pass_state
def status(state: State, metrics: tuple[str, ...], no_metrics: bool) -> None:
    """Health, peers, records and cache state of the three services."""
    overrides = split_pairs(metrics, "--metrics")
    unknown = sorted(set(overrides) - set(SERVICES))
    if unknown:
        raise click.BadParameter(f"unknown service {unknown[0]!r}", param_hint="--metrics")
    rows = collect(state, overrides, not no_metrics)
    if state.as_json:
        state.output.document(
            {
                "services": {
                    r.service: {
                        "endpoint": r.endpoint,
                        "health": r.health,
                        "errors": r.errors,
                        **r.raw,
                    }
                    for r in rows
                }
            }
        )
    else:
        state.output.table(
            "ipndht services",
            ["service", "endpoint", "health", "peers", "records", "cache", "detail"],
            (
                (r.service, r.endpoint, r.health, r.peers, r.records, r.cache, r.detail)
                for r in rows
            ),
        )
        for r in rows:
            for what, message in r.errors.items():
                state.output.line(f"{r.service} {what}: {message}")
    down = [r.service for r in rows if r.health != "SERVING"]
    if down:
        raise CliFailure(f"not SERVING: {', '.join(down)}", UNAVAILABLE, as_json=state.as_json)
