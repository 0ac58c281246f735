"""`make run`'s launcher: Redis and every process up and SERVING, Ctrl-C stops all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from services.core.host import SPECS
from services.launcher import (
    EXTRA_DHT_NODES,
    Launcher,
    _redis_listen_args,
    _redis_reachable,
)
from tests.support.net import free_tcp_port
from tests.support.services import REPO, wait_serving


@pytest.mark.slow
def test_launcher_brings_up_the_whole_system_and_stops_it(tmp_path: Path) -> None:
    """Redis (started by the launcher), three services and the DHT-only nodes
    all report SERVING; SIGINT stops everything with exit 0 and keeps state."""
    redis_port = free_tcp_port()
    env = {
        **os.environ,
        "IPNDHT_DATA_DIR": str(tmp_path / "data"),
        "IPNDHT_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "IPNDHT_LOG_FORMAT": "json",
        "IPNDHT_SHUTDOWN_GRACE_S": "2",
    }
    log = (tmp_path / "run.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.launcher"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for name in ("discovery", "handle-registry", "content-routing"):
            wait_serving(SPECS[name].grpc_port, SPECS[name].grpc_service, timeout_s=60)
        for index in range(1, EXTRA_DHT_NODES + 1):
            wait_serving(SPECS["dht-node"].grpc_port + index, timeout_s=60)
        deadline = time.monotonic() + 30
        while "ipndht is up" not in (tmp_path / "run.log").read_text(errors="replace"):
            assert time.monotonic() < deadline, "the launcher never printed its endpoints"
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=40) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    output = (tmp_path / "run.log").read_text(errors="replace")
    assert "ipndht is up" in output
    assert f"started redis-server on 127.0.0.1:{redis_port}" in output
    assert "Traceback" not in output
    assert (tmp_path / "data" / "redis").is_dir()
    assert (tmp_path / "data" / "handle-registry" / "registrar.key").stat().st_mode & 0o077 == 0
    assert (tmp_path / "data" / "discovery" / "records.sqlite3").exists()


async def test_launcher_serves_a_unix_socket_redis_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """IPNDHT_REDIS_URL=unix://PATH: with nothing listening there the launcher
    starts redis-server on that socket (not on TCP 6379) and reports it; a
    second launcher finds that Redis already running."""
    sock = tmp_path / "redis.sock"
    url = f"unix://{sock}"
    monkeypatch.setenv("IPNDHT_REDIS_URL", url)
    monkeypatch.setenv("IPNDHT_DATA_DIR", str(tmp_path / "data"))
    assert not _redis_reachable(url)
    launcher = Launcher()
    assert await launcher.start_redis() == url
    try:
        assert _redis_reachable(url)
        assert await Launcher().start_redis() == url
        out = capsys.readouterr().out
        assert f"started redis-server on unix:{sock}" in out
        assert f"using the Redis already running at {url}" in out
    finally:
        assert launcher.redis is not None
        await launcher._terminate(launcher.redis, 5)
    assert not _redis_reachable(url)


def test_a_remote_or_tls_redis_url_is_never_started_locally() -> None:
    """Only a loopback redis:// URL or a unix:// socket is served by a local
    redis-server; a remote host or rediss:// (TLS) runs without a cache."""
    assert _redis_listen_args("redis://127.0.0.1:7000/0") == [
        "--port",
        "7000",
        "--bind",
        "127.0.0.1",
    ]
    unix = _redis_listen_args("unix:///tmp/r.sock")
    assert unix is not None and unix[:4] == ["--port", "0", "--unixsocket", "/tmp/r.sock"]
    assert _redis_listen_args("redis://cache.example:6379/0") is None
    assert _redis_listen_args("rediss://127.0.0.1:6380/0") is None
    assert _redis_listen_args("unix://") is None  # no socket path to serve


def test_an_ipv6_loopback_redis_url_is_served_on_ipv6_loopback() -> None:
    """redis://[::1] is checked by connecting to ::1, so a local redis-server
    must listen there, not on 127.0.0.1."""
    assert _redis_listen_args("redis://[::1]:7001/0") == ["--port", "7001", "--bind", "::1"]
