"""Figures of the fault suite: one ``FAULT_FIGURE {json}`` line per figure.

Each fault test prints the figures it measured (counts, latency
percentiles) as one JSON line on stdout, so a run with ``-s`` (or the
captured output of a failed test) can be collected into bench/results.json.
When ``IPNDHT_FAULT_FIGURES`` names a file, the same lines are appended
there too, which survives pytest's output capture.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Sequence

#: Marker at the start of every figure line; collectors grep for it.
PREFIX = "FAULT_FIGURE"
#: Environment variable naming a file that also receives every figure line.
FIGURES_FILE_ENV = "IPNDHT_FAULT_FIGURES"


def figure(name: str, value: float, unit: str) -> str:
    """Print (and return) the figure line of ``name``."""
    shown = round(value, 6) if isinstance(value, float) else value
    line = f"{PREFIX} " + json.dumps({"name": name, "value": shown, "unit": unit}, sort_keys=True)
    print(line, file=sys.stdout, flush=True)
    path = os.environ.get(FIGURES_FILE_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(line + "\n")
    return line


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of ``values`` (0.0 for none); ``fraction`` in (0, 1]."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return float(ordered[rank - 1])


def p99_ms(latencies_s: Sequence[float]) -> float:
    """The 99th percentile of latencies given in seconds, in milliseconds."""
    return percentile(latencies_s, 0.99) * 1000.0
