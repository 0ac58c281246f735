"""The v1 contract: lint-clean, and the generated package matches protos/."""

from __future__ import annotations

import filecmp
import shutil
import subprocess
from pathlib import Path

from tests.support.services import REPO

BUF = REPO / ".tools" / "node_modules" / ".bin" / "buf"


def test_generated_code_is_not_stale(tmp_path: Path) -> None:
    """Regenerating from protos/ gives exactly the committed gen/ipndht/v1."""
    subprocess.run(
        ["make", "-s", "proto", f"PROTO_OUT={tmp_path}"],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=120,
    )
    fresh = tmp_path / "ipndht" / "v1"
    committed = REPO / "gen" / "ipndht" / "v1"
    names = sorted(p.name for p in fresh.iterdir() if "_pb2" in p.name)
    assert names == sorted(p.name for p in committed.iterdir() if "_pb2" in p.name)
    _, mismatch, errors = filecmp.cmpfiles(fresh, committed, names, shallow=False)
    assert not mismatch and not errors, f"stale generated files (run `make proto`): {mismatch}"


def test_protos_pass_buf_lint() -> None:
    """buf lint (STANDARD and COMMENTS rules) finds nothing in protos/."""
    buf = str(BUF) if BUF.exists() else shutil.which("buf")
    assert buf, "buf is not installed: run `make setup` (needs npm) or put buf on PATH"
    proc = subprocess.run([buf, "lint"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_rpc_and_field_is_documented() -> None:
    """No line that declares an rpc, message field or enum value lacks a comment above it."""
    undocumented = []
    for path in sorted((REPO / "protos" / "ipndht" / "v1").glob("*.proto")):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            text = line.strip()
            declares = text.startswith("rpc ") or (
                text.endswith(";") and "=" in text and not text.startswith(("syntax", "option"))
            )
            if declares and not lines[number - 1].strip().startswith("//"):
                undocumented.append(f"{path.name}:{number + 1}: {text}")
    assert not undocumented, "\n".join(undocumented)
