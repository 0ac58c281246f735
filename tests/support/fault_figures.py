"""Figures of the fault suite: one ``FAULT_FIGURE {json}`` line on stdout per
figure, collected from the test output into bench/results.json.

Run pytest with ``-s`` (or read the captured stdout of a failing test) to
see them; the lead's collector greps for the prefix.
"""

from __future__ import annotations

import json
import math
import sys

#: The marker the collector looks for at the start of a line.
PREFIX = "FAULT_FIGURE "


def record(name: str, value: float, unit: str) -> None:
    """Print one figure as a JSON line (a float rounded to 4 significant digits)."""
    shown: float | int | str = value if isinstance(value, int) else float(f"{value:.4g}")
    if isinstance(shown, float) and not math.isfinite(shown):
        shown = str(shown)
    line = json.dumps({"name": name, "value": shown, "unit": unit}, sort_keys=True)
    sys.stdout.write(f"{PREFIX}{line}\n")
    sys.stdout.flush()


def percentile(samples: list[float], pct: float) -> float:
    """The ``pct`` percentile (0..100) by nearest rank; 0.0 for no samples."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]
