"""`make bench`: run every bench/bench_*.py, then write bench/results.md.

``python -m bench [name ...]`` runs only the named benchmarks (e.g. ``host``);
``python -m bench --render`` only rewrites results.md from results.json.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path

from bench.results import RESULTS, machine

HERE = Path(__file__).parent


def render_markdown() -> str:
    entries = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    lines = [
        "# Benchmark results",
        "",
        f"Written {time.strftime('%Y-%m-%d')} on {machine()} by `make bench`. "
        "Each figure is measured beside its floor in the same run.",
        "",
        "| figure | value | unit | floor | ratio | date | machine |",
        "|---|---|---|---|---|---|---|",
    ]
    for e in entries:
        floor = "" if e["floor"] is None else f"{e['floor']:.4g}"
        ratio = "" if e["ratio"] is None else f"{e['ratio']:.3f}"
        date = e.get("config", {}).get("date", "")
        where = e.get("config", {}).get("machine", "")
        lines.append(
            f"| {e['name']} | {e['value']:.4g} | {e['unit']} | {floor} | {ratio} | {date} "
            f"| {where} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if argv == ["--render"]:  # only rewrite results.md (after `make test-faults`)
        (HERE / "results.md").write_text(render_markdown())
        return 0
    names = argv or sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    failed = []
    for name in names:
        print(f"== bench {name}", flush=True)
        try:
            importlib.import_module(f"bench.bench_{name}").run()
        except Exception as exc:  # one broken benchmark must not hide the others
            print(f"bench {name} failed: {type(exc).__name__}: {exc}", flush=True)
            failed.append(name)
    (HERE / "results.md").write_text(render_markdown())
    print(f"wrote {RESULTS} and {HERE / 'results.md'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
