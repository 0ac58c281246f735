"""The ipndht CLI's error paths against the whole system: each failure is
one readable line on stderr, no traceback, and its documented exit code."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner, Result

from ipndht_client.cli import cli
from tests.support.redis import RedisProcess
from tests.support.services import REPO
from tests.support.system import System

IPNDHT = Path(sys.executable).parent / "ipndht"


@pytest.fixture(scope="module")
def system(
    redis_session: RedisProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[System]:
    """One system for the module, on the shared Redis emptied first."""
    client = redis.Redis.from_url(redis_session.url)
    client.flushdb()
    client.close()
    running = System(tmp_path_factory.mktemp("cli-fail"), redis_url=redis_session.url)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def _env(system: System, key: Path) -> dict[str, str]:
    return {
        "IPNDHT_DISCOVERY_ENDPOINT": system.endpoints["discovery"],
        "IPNDHT_HANDLES_ENDPOINT": system.endpoints["handles"],
        "IPNDHT_CONTENT_ENDPOINT": system.endpoints["content"],
        "IPNDHT_KEY_FILE": str(key),
        "IPNDHT_KEY_PASSPHRASE": "",
    }


def ipndht(system: System, key: Path, *argv: str) -> Result:
    return CliRunner().invoke(cli, list(argv), env=_env(system, key))


def one_line_failure(result: Result, code: int) -> str:
    """The single stderr line of a failed run with exit ``code``."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ipndht: ")
    return lines[0]


def new_key(system: System, path: Path) -> str:
    result = ipndht(system, path, "keygen")
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_a_bad_handle_exits_3_naming_the_rule(system: System, tmp_path: Path) -> None:
    key = tmp_path / "k"
    new_key(system, key)
    local = one_line_failure(ipndht(system, key, "handle", "register", "@ad.ipn"), 3)
    assert "INVALID_ARGUMENT" in local and "rule: length" in local
    served = one_line_failure(ipndht(system, key, "handle", "resolve", "@x!.ipn"), 3)
    assert f"handles at {system.endpoints['handles']}: INVALID_ARGUMENT" in served


def test_an_unknown_handle_exits_4(system: System, tmp_path: Path) -> None:
    line = one_line_failure(ipndht(system, tmp_path / "k", "handle", "resolve", "@nobody-x.ipn"), 4)
    assert "NOT_FOUND" in line


def test_writes_by_a_key_that_is_not_the_owner_are_refused(system: System, tmp_path: Path) -> None:
    """Another key taking the handle by transfer, or updating it (a record
    signed by a key other than the owner's), is PERMISSION_DENIED (exit 6);
    registering the held handle is ALREADY_EXISTS (exit 5). The handle stays
    unchanged."""
    owner, other = tmp_path / "owner", tmp_path / "other"
    new_key(system, owner)
    thief = new_key(system, other)
    made = ipndht(system, owner, "handle", "register", "@owned-fail.ipn")
    assert made.exit_code == 0, made.output
    denied = one_line_failure(
        ipndht(system, other, "handle", "transfer", "@owned-fail.ipn", thief), 6
    )
    assert "PERMISSION_DENIED" in denied and "not by its owner" in denied
    forged = one_line_failure(
        ipndht(system, other, "handle", "update", "@owned-fail.ipn", "-a", "tcp://evil"), 6
    )
    assert "PERMISSION_DENIED" in forged and "not by its owner" in forged
    taken = one_line_failure(ipndht(system, other, "handle", "register", "@owned-fail.ipn"), 5)
    assert "ALREADY_EXISTS" in taken
    still = json.loads(
        ipndht(system, owner, "--json", "handle", "resolve", "@owned-fail.ipn").stdout
    )
    assert still["record"]["seq"] == 1


def test_a_missing_key_file_exits_8_before_any_call(system: System, tmp_path: Path) -> None:
    line = one_line_failure(
        ipndht(system, tmp_path / "absent", "handle", "register", "@keyless-x.ipn"), 8
    )
    assert f"{tmp_path / 'absent'} does not exist" in line
    gone = ipndht(system, tmp_path / "k", "handle", "resolve", "@keyless-x.ipn")
    assert gone.exit_code == 4


def test_a_wrong_passphrase_exits_8(system: System, tmp_path: Path) -> None:
    key = tmp_path / "k"
    made = ipndht(system, key, "keygen", "--passphrase", "right horse")
    assert made.exit_code == 0
    line = one_line_failure(
        ipndht(system, key, "--passphrase", "wrong", "content", "stop", "ab" * 32), 8
    )
    assert "wrong passphrase" in line


def test_a_bad_peer_address_is_refused_exit_3(system: System, tmp_path: Path) -> None:
    line = one_line_failure(ipndht(system, tmp_path / "k", "peers", "add", "127.0.0.1:0"), 3)
    assert "port" in line


def test_a_service_down_exits_7_with_a_readable_line(system: System, tmp_path: Path) -> None:
    """With content-routing killed, the installed ``ipndht`` says which
    service is unreachable and where (exit 7, no traceback); status marks it
    DOWN and the other two SERVING (exit 7)."""
    env = {**system.env(), "IPNDHT_KEY_FILE": str(tmp_path / "k")}
    content = system.processes["content-routing"]
    content.signal(signal.SIGKILL)
    content.wait(10)
    try:
        listed = subprocess.run(
            [str(IPNDHT), "--timeout", "3", "content", "list"],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert listed.returncode == 7, listed.stderr
        assert "Traceback" not in listed.stderr
        lines = listed.stderr.splitlines()
        assert len(lines) == 1
        assert lines[0].startswith(
            f"ipndht: content at {system.endpoints['content']} is unreachable"
        )
        assert "is it running?" in lines[0]

        status = subprocess.run(
            [str(IPNDHT), "--json", "--timeout", "3", "status", "--no-metrics"],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert status.returncode == 7, status.stderr
        health = {s: v["health"] for s, v in json.loads(status.stdout)["services"].items()}
        assert health == {"discovery": "SERVING", "handles": "SERVING", "content": "DOWN"}
        assert json.loads(status.stderr)["error"]["message"] == "not SERVING: content"
    finally:
        system.restart("content-routing")
