"""Collect the fault suite's figures into bench/results.json.

Fault tests print ``FAULT_FIGURE {"name", "value", "unit"[, "floor"]}``
lines and, when ``IPNDHT_FAULT_FIGURES`` names a file, append them there
(tests/support/faults.py). `make test-faults` points that variable at
bench/.work/fault-figures.jsonl and then runs

    .venv/bin/python -m bench.fault_figures bench/.work/fault-figures.jsonl

which records each figure (the last value of a name wins) with the fault
suite named as its source.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.results import record

PREFIX = "FAULT_FIGURE"


def parse(text: str) -> dict[str, dict[str, Any]]:
    """The last figure of each name in ``text``; other lines are ignored."""
    found: dict[str, dict[str, Any]] = {}
    for line in text.splitlines():
        if not line.startswith(PREFIX):
            continue
        try:
            entry = json.loads(line[len(PREFIX) :].strip())
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            value = entry.get("value")
            if isinstance(value, int | float) and not isinstance(value, bool):
                found[entry["name"]] = entry
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m bench.fault_figures FILE", file=sys.stderr)
        return 2
    path = Path(argv[0])
    if not path.exists():
        print(f"no fault figures in {path} (did the fault suite run?)", file=sys.stderr)
        return 1
    figures = parse(path.read_text(encoding="utf-8"))
    for name, entry in sorted(figures.items()):
        floor = entry.get("floor")
        floor = float(floor) if isinstance(floor, int | float) else None
        value = float(entry["value"])
        ratio = value / floor if floor else None
        record(
            f"fault_{name}" if not name.startswith("fault_") else name,
            value,
            str(entry.get("unit", "")),
            floor=floor,
            ratio=ratio,
            config={"source": "make test-faults (tests/cluster/test_faults_*.py)"},
        )
    print(f"recorded {len(figures)} fault figures from {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
