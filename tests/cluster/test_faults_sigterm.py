"""SIGTERM to the handle-registry process while clients hammer Resolve and
Register: graceful shutdown answers every call with OK or UNAVAILABLE
(never INTERNAL, DEADLINE_EXCEEDED or anything else), and the process
exits 0 within its grace period plus a margin.

The clients watch the server's ``ipndht.accepting`` health entry, as the
SDK's channels do: the server turns it NOT_SERVING first and keeps serving
for a short drain, so no call reaches grpc-core after it stops taking calls
(grpc-core would answer such a call CANCELLED, grpc/grpc#41785)."""

from __future__ import annotations

import asyncio
import functools
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import grpc
import pytest

from tests.support.faults import figure, p99_ms
from tests.support.load_clients import REGISTER, RESOLVE, Load, under_load
from tests.support.services import ServiceProcess
from tests.support.system import System

pytestmark = pytest.mark.cluster

#: IPNDHT_SHUTDOWN_GRACE_S of the system (System sets 2 s for every process).
GRACE_S = 2.0
#: Time on top of the grace for the rest of the shutdown (cancelling tasks,
#: flushing stores, closing the DHT socket) on two busy cores.
MARGIN_S = 5.0
#: Handles written before the load, for Resolve.
SEED = 8
ALLOWED = {grpc.StatusCode.OK, grpc.StatusCode.UNAVAILABLE}


async def _terminate(proc: ServiceProcess, codes: list[int], exit_s: list[float]) -> None:
    """SIGTERM ``proc`` and wait for its exit status (in a thread: the load runs on)."""
    started = time.monotonic()
    proc.signal(signal.SIGTERM)
    try:
        codes.append(await asyncio.to_thread(proc.wait, GRACE_S + MARGIN_S))
    except subprocess.TimeoutExpired:
        pytest.fail(f"no exit {GRACE_S + MARGIN_S} s after SIGTERM")
    exit_s.append(time.monotonic() - started)


async def _sigterm_under_load(tmp_path: Path, *, clients: int, rounds: int, label: str) -> None:
    system = System(tmp_path, extra_env={"IPNDHT_SHUTDOWN_GRACE_S": str(GRACE_S)})
    await asyncio.to_thread(system.start)
    try:
        async with Load(system.endpoints, f"term-{label}") as load:
            await load.seed(SEED, 0)
            proc = system.processes["handle-registry"]
            exit_s: list[float] = []
            for _ in range(rounds):
                codes: list[int] = []
                sigterm = functools.partial(_terminate, proc, codes, exit_s)
                before = len(load.calls)
                window = await under_load(
                    load, clients, [RESOLVE, REGISTER], sigterm, before_s=1.0, after_s=0.5
                )
                assert codes == [0], f"exit status {codes}\n{proc.output()[-4000:]}"
                calls = load.calls[before:]
                wrong = [c for c in calls if c.code not in ALLOWED]
                figure(f"sigterm_{label}_other_than_ok_or_unavailable", len(wrong), "calls")
                assert not wrong, f"{len(wrong)} calls ended otherwise: {wrong[:10]}"
                during = [c for c in calls if c.started >= window.start]
                assert during, "no call was made during the shutdown"
                counts = Counter(c.code.name for c in during)
                in_flight = [c for c in calls if c.started < window.start < c.started + c.latency_s]
                figure(
                    f"sigterm_{label}_in_flight_at_sigterm_ok",
                    sum(c.code == grpc.StatusCode.OK for c in in_flight),
                    "calls",
                )
                figure(f"sigterm_{label}_in_flight_at_sigterm", len(in_flight), "calls")
                figure(f"sigterm_{label}_calls_during_shutdown", len(during), "calls")
                figure(f"sigterm_{label}_ok_during_shutdown", counts["OK"], "calls")
                figure(f"sigterm_{label}_unavailable", counts["UNAVAILABLE"], "calls")
                figure(
                    f"sigterm_{label}_p99_during_shutdown",
                    p99_ms([c.latency_s for c in load.between(window.start, window.end)]),
                    "ms",
                )
                await asyncio.to_thread(system.restart, "handle-registry")
            assert not await load.unresolved(), "acknowledged handles lost across SIGTERM"
            figure(f"sigterm_{label}_exit_after_sigterm_max", max(exit_s), "s")
    finally:
        await asyncio.to_thread(system.stop)


async def test_sigterm_under_load_answers_ok_or_unavailable_and_exits_0(tmp_path: Path) -> None:
    """Four clients on Resolve/Register; SIGTERM to handle-registry: every
    call is OK or UNAVAILABLE, the exit status is 0 within grace + 5 s, and
    every acknowledged Register resolves after a restart."""
    await _sigterm_under_load(tmp_path, clients=4, rounds=1, label="fast")


@pytest.mark.faults
@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_sigterm_repeatedly_under_heavy_load(tmp_path: Path) -> None:
    """Twelve clients, five SIGTERM-and-restart rounds: the same every time."""
    await _sigterm_under_load(tmp_path, clients=12, rounds=5, label="heavy")
