"""The Node.js client (clients/node) under node's own test runner: its
offline vector tests, and its end-to-end tests against the whole system
started as real processes with a shared Redis."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.redis import RedisProcess
from tests.support.system import System
from tests.vectors import generate_clients

NODE_DIR = Path(__file__).resolve().parents[3] / "clients" / "node"
NODE_MISSING = "node not found: install Node.js >= 18 (.ci/run installs it)"
#: Oldest Node.js the client supports (ES modules, node:test, Ed25519 in crypto).
MIN_NODE_MAJOR = 18
#: Upper bound on one node test run, so a hung call cannot hang the suite;
#: the runs take seconds.
NODE_RUN_TIMEOUT_S = 180.0


def node_binary() -> str:
    """The path of a usable ``node``; fails the test plainly otherwise."""
    node = shutil.which("node")
    if node is None:
        pytest.fail(NODE_MISSING, pytrace=False)
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=30, check=False
    ).stdout.strip()
    match = re.fullmatch(r"v(\d+)\..*", version)
    if match is None or int(match.group(1)) < MIN_NODE_MAJOR:
        pytest.fail(f"{NODE_MISSING}; found {version or 'no version'}", pytrace=False)
    if not (NODE_DIR / "node_modules").is_dir():
        pytest.fail("clients/node/node_modules is missing: run make setup", pytrace=False)
    return node


def run_node_tests(*test_files: str, env: dict[str, str] | None = None) -> None:
    """Run node test files; on failure show node's whole output."""
    node = node_binary()
    command = [node, "--test", "--test-reporter=spec", *(f"test/{name}" for name in test_files)]
    shown = " ".join(test_files)
    try:
        result = subprocess.run(
            command,
            cwd=NODE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=NODE_RUN_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        partial = (
            exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else exc.stdout
        )
        pytest.fail(f"node --test {shown} ran over {NODE_RUN_TIMEOUT_S} s:\n{partial or ''}")
    output = f"{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, f"node --test {shown} exited {result.returncode}:\n{output}"


def test_missing_node_fails_with_a_plain_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without node on PATH the test fails saying how to install it, no traceback."""
    monkeypatch.setenv("PATH", "")
    with pytest.raises(pytest.fail.Exception, match=re.escape(NODE_MISSING)):
        node_binary()


def test_client_vectors_match_the_python_code() -> None:
    """tests/vectors/clients.json is what the Python SDK and content service compute now."""
    assert generate_clients.main(["--check"]) == 0, "run: python -m tests.vectors.generate_clients"


def test_node_client_offline() -> None:
    """Offline: records.json and clients.json reproduce byte for byte in Node.js;
    key files, endpoints and UNAVAILABLE errors of the Client."""
    run_node_tests("vectors.test.js", "client.test.js")


async def test_node_client_end_to_end(tmp_path: Path, redis_flushed: RedisProcess) -> None:
    """Against real services: register, resolve and update a handle; provide,
    find and list content; a bad handle is INVALID_ARGUMENT as an IpndhtError."""
    with System(tmp_path, redis_url=redis_flushed.url) as system:
        try:
            run_node_tests("e2e.test.js", env=system.env())
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- service logs ---\n{system.logs()[-20000:]}") from None
