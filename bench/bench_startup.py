"""run_startup_s: seconds from `make run`'s launcher starting to all three
services SERVING, beside a floor measured in the same run: one bare
grpc.aio server process (Python start, grpc import, bind) answering.

Each round starts the launcher (``python -m services.launcher``, what
`make run` runs) on a fresh data directory with its own redis-server, waits
for discovery, handle-registry and content-routing to report SERVING, then
stops it with SIGINT. The launcher binds the fixed ports of DESIGN.md, so a
running `make run` makes this benchmark refuse to start.

    .venv/bin/python -m bench.bench_startup
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench.load import REPO, free_port
from bench.results import record
from services.core.host import SPECS

ROUNDS = 3
#: A start that takes longer than this is a failure, not a figure.
START_LIMIT_S = 120.0
SERVICES = ("discovery", "handle-registry", "content-routing")


def _serving(port: int, service: str) -> bool:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=0.5
            )
        except grpc.RpcError:
            return False
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


def _wait(targets: list[tuple[int, str]], started: float, proc: subprocess.Popen[bytes]) -> float:
    pending = list(targets)
    while pending:
        if proc.poll() is not None:
            raise RuntimeError(f"the process exited with {proc.returncode} while starting")
        if time.perf_counter() - started > START_LIMIT_S:
            raise TimeoutError(f"not SERVING within {START_LIMIT_S:.0f}s: {pending}")
        pending = [(p, s) for p, s in pending if not _serving(p, s)]
        if pending:
            time.sleep(0.02)
    return time.perf_counter() - started


def _stop(proc: subprocess.Popen[bytes], sig: int) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _ports_free() -> None:
    for name in SERVICES:
        port = SPECS[name].grpc_port
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                raise RuntimeError(f"port {port} is in use: stop `make run` first")


def _launcher_round(workdir: Path) -> float:
    env = {
        **os.environ,
        "IPNDHT_DATA_DIR": str(workdir / "data"),
        "IPNDHT_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "IPNDHT_LOG_LEVEL": "warning",
        "IPNDHT_SHUTDOWN_GRACE_S": "2",
    }
    targets = [(SPECS[n].grpc_port, SPECS[n].grpc_service) for n in SERVICES]
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.launcher"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        return _wait(targets, started, proc)
    finally:
        _stop(proc, signal.SIGINT)


def _floor_round() -> float:
    port = free_port()
    code = (
        "import asyncio, grpc\n"
        "from grpc_health.v1 import health, health_pb2_grpc\n"
        "async def main():\n"
        "    server = grpc.aio.server()\n"
        "    health_pb2_grpc.add_HealthServicer_to_server(health.aio.HealthServicer(), server)\n"
        f"    server.add_insecure_port('127.0.0.1:{port}')\n"
        "    await server.start()\n"
        "    await server.wait_for_termination()\n"
        "asyncio.run(main())\n"
    )
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO)
    try:
        return _wait([(port, "")], started, proc)
    finally:
        _stop(proc, signal.SIGTERM)


def run() -> None:
    _ports_free()
    runs: list[float] = []
    floors: list[float] = []
    for round_ in range(ROUNDS):
        floors.append(_floor_round())
        with tempfile.TemporaryDirectory(prefix="ipndht-startup-") as tmp:
            runs.append(_launcher_round(Path(tmp)))
        print(f"round {round_}: floor {floors[-1]:.2f} s, make run {runs[-1]:.2f} s", flush=True)
    value, floor = statistics.median(runs), statistics.median(floors)
    record(
        "run_startup_s",
        value,
        "s",
        floor=floor,
        ratio=value / floor,
        config={
            "rounds": ROUNDS,
            "runs_s": [round(r, 2) for r in runs],
            "floor_is": "one bare grpc.aio health server process until SERVING",
            "measured": "launcher start to discovery, handle-registry, content-routing SERVING",
        },
    )


if __name__ == "__main__":
    run()
