"""A closed-loop gRPC load generator shared by the throughput benchmarks."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import grpc

from tests.support.net import free_tcp_port

REPO = Path(__file__).resolve().parents[1]

Call = Callable[[grpc.aio.Channel], Awaitable[object]]


@contextmanager
def server_process(
    args: Sequence[str], port: int, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server (``python -m ...``) listening on ``port`` until the block
    ends; yields its process once the port accepts connections. Stopped with
    SIGTERM (SIGKILL after 15 s)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port)
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_port(port: int, timeout_s: float = 30) -> None:
    import socket

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


async def _drive(
    port: int, call: Call, seconds: float, concurrency: int
) -> tuple[int, list[float]]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        for _ in range(50):  # warm-up
            await call(channel)
        done = 0
        latencies: list[float] = []
        end = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal done
            while True:
                started = time.perf_counter()
                if started >= end:
                    return
                await call(channel)
                latencies.append(time.perf_counter() - started)
                done += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return done, latencies


def measure(
    port: int, call: Call, seconds: float = 5.0, concurrency: int = 32
) -> tuple[float, list[float]]:
    """Requests per second and the per-request latencies of a closed loop."""
    done, latencies = asyncio.run(_drive(port, call, seconds, concurrency))
    return done / seconds, latencies


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def free_port() -> int:
    return free_tcp_port()
