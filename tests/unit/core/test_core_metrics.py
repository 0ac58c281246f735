"""The DHT figures on the metrics endpoint: every counter has a help text and
a row in docs/operations.md, and the collector reads each tracked service."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from services.core.dht.stats import COUNTER_HELP, DhtCounters
from services.core.metrics import DhtCollector

OPERATIONS = Path(__file__).resolve().parents[3] / "docs" / "operations.md"


def test_every_counter_has_a_help_text() -> None:
    fields = {f.name for f in dataclasses.fields(DhtCounters)} - {"records_held"}
    assert set(COUNTER_HELP) == fields


def test_every_dht_series_is_documented() -> None:
    text = OPERATIONS.read_text()
    names = [f"ipndht_dht_{name}_total" for name in COUNTER_HELP]
    names += ["ipndht_dht_records_held", "ipndht_dht_routing_table_size"]
    assert [n for n in names if f"`{n}`" not in text] == []


def test_collector_reads_each_tracked_service_and_forgets_untracked_ones() -> None:
    collector = DhtCollector({"lookups": "Lookups"})
    assert list(collector.collect()) == []
    collector.track("a", lambda: {"lookups": 2, "records_held": 7})
    collector.track("b", lambda: {"lookups": 5})
    metrics = {m.name: m for m in collector.collect()}
    lookups = {s.labels["service"]: s.value for s in metrics["ipndht_dht_lookups"].samples}
    assert lookups == {"a": 2, "b": 5}
    held = {s.labels["service"]: s.value for s in metrics["ipndht_dht_records_held"].samples}
    assert held == {"a": 7, "b": 0}
    collector.untrack("a")
    metrics = {m.name: m for m in collector.collect()}
    assert [s.labels["service"] for s in metrics["ipndht_dht_lookups"].samples] == ["b"]
