"""bench/results.json: one entry per figure, each beside its floor.

Every benchmark calls ``record()``; entries with the same name are replaced,
so benchmarks can run alone or all together (``make bench``).
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results.json")


def machine() -> str:
    """A short description of this machine for the results table."""
    return f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"


def record(
    name: str,
    value: float,
    unit: str,
    *,
    floor: float | None,
    ratio: float | None,
    config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Add or replace the entry ``name`` in bench/results.json and print it."""
    entry = {
        "name": name,
        "value": round(value, 6),
        "unit": unit,
        "floor": None if floor is None else round(floor, 6),
        "ratio": None if ratio is None else round(ratio, 4),
        "config": {**(config or {}), "date": time.strftime("%Y-%m-%d"), "machine": machine()},
    }
    entries: list[dict[str, Any]] = []
    if RESULTS.exists():
        entries = [e for e in json.loads(RESULTS.read_text()) if e.get("name") != name]
    entries.append(entry)
    entries.sort(key=lambda e: e["name"])
    tmp = RESULTS.with_suffix(".tmp")
    tmp.write_text(json.dumps(entries, indent=2) + "\n")
    tmp.replace(RESULTS)
    shown = f"{name}: {value:.4g} {unit}"
    if floor is not None:
        shown += f" (floor {floor:.4g}" + (")" if ratio is None else f", ratio {ratio:.3f})")
    print(shown, flush=True)
    return entry
