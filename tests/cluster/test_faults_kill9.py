"""Each service process killed with SIGKILL under write load, then
restarted: no acknowledged write is lost.

Clients keep calling Register (handle-registry) and Provide
(content-routing) while one process of the system is killed and started
again. A write in flight at the kill may fail, with UNAVAILABLE only, and
only at the killed service; every write that returned OK (before or after
the kill) resolves or is found after the restart. The system runs without
Redis, so what is read back comes from the services' durable stores and
the DHT, not from a cache that outlived the kill."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import grpc
import pytest

from tests.support.faults import figure, p99_ms
from tests.support.load_clients import PROVIDE, REGISTER, Load, under_load
from tests.support.system import System

#: How long after a restart a client's channel may still be in reconnect
#: backoff (load_clients.CHANNEL_OPTIONS: at most 0.5 s, 20% jitter).
RECONNECT_SETTLE_S = 1.0

pytestmark = pytest.mark.cluster

#: The write RPCs each service takes; a kill of discovery fails neither.
SERVES = {"handle-registry": {REGISTER}, "content-routing": {PROVIDE}, "discovery": set()}
VICTIMS = list(SERVES)


async def _kill_and_restart(
    tmp_path: Path, victims: list[str], *, clients: int, rounds: int, load_s: float, label: str
) -> None:
    system = System(tmp_path)
    await asyncio.to_thread(system.start)
    try:
        async with Load(system.endpoints, f"kill-{label}") as load:
            for name in victims * rounds:
                proc = system.processes[name]

                async def kill9(proc_name: str = name) -> None:
                    system.processes[proc_name].signal(signal.SIGKILL)
                    await asyncio.to_thread(system.processes[proc_name].wait, 10)
                    await asyncio.sleep(load_s / 2)
                    await asyncio.to_thread(system.restart, proc_name)

                before = len(load.calls)
                window = await under_load(
                    load, clients, [REGISTER, PROVIDE], kill9, before_s=load_s, after_s=load_s
                )
                assert proc.proc is not None and proc.proc.poll() is None, f"{name} not running"
                calls = load.calls[before:]
                failed = load.failures(calls)
                unexpected = [
                    c
                    for c in failed
                    if c.code != grpc.StatusCode.UNAVAILABLE or c.kind not in SERVES[name]
                ]
                assert not unexpected, f"kill -9 of {name}: {unexpected[:10]}\n{system.logs()}"
                # A client channel that saw the service down retries its
                # connection with backoff (at most 0.5 s, plus jitter), so
                # calls may fail fast for that long after the restart.
                late = [c for c in failed if c.started > window.end + RECONNECT_SETTLE_S]
                assert not late, f"{name} restarted but calls still fail: {late[:10]}"
                assert not await load.unresolved(), f"handles lost after kill -9 of {name}"
                assert not await load.unfound(), f"providers lost after kill -9 of {name}"
                figure(f"kill9_{label}_{name}_failed_writes", len(failed), "calls")
                figure(
                    f"kill9_{label}_{name}_p99_during_outage",
                    p99_ms([c.latency_s for c in load.between(window.start, window.end)]),
                    "ms",
                )
            acked = len(load.acked.handles) + len(load.acked.contents)
            assert acked > 0
            figure(f"kill9_{label}_acknowledged_writes", acked, "writes")
            figure(f"kill9_{label}_acknowledged_writes_lost", 0, "writes")
    finally:
        await asyncio.to_thread(system.stop)


async def test_kill9_of_each_service_loses_no_acknowledged_write(tmp_path: Path) -> None:
    """Handle-registry, content-routing and discovery killed one after the
    other under Register/Provide load from two clients, each restarted:
    every acknowledged Register resolves and every acknowledged Provide is
    found afterwards; the only failures are UNAVAILABLE at the killed one."""
    await _kill_and_restart(tmp_path, VICTIMS, clients=2, rounds=1, load_s=1.0, label="fast")


@pytest.mark.faults
@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("victim", VICTIMS)
async def test_kill9_repeatedly_under_heavy_write_load_loses_nothing(
    tmp_path: Path, victim: str
) -> None:
    """One service killed and restarted five times under load from six
    clients: no acknowledged write is lost."""
    await _kill_and_restart(tmp_path, [victim], clients=6, rounds=5, load_s=3.0, label="heavy")
