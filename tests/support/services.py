"""In-process and subprocess services on free loopback ports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.core.host import ServiceHost, ServiceSpec
from services.core.settings import Settings
from tests.support.net import free_tcp_port

REPO = Path(__file__).resolve().parents[2]


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for a test: free ports, a private data dir, quiet logs."""
    values: dict[str, Any] = {
        "grpc_port": 0,
        "metrics_port": 0,
        "data_dir": tmp_path / "data",
        "redis_url": "",
        "log_format": "json",
        "shutdown_grace_s": 2.0,
        "dht_port": 0,
        "min_peers": 0,
        # Never the defaults (50051/50052): a test must not join, or look
        # handles up in, a system `make run` has up on this machine.
        "discovery_addr": f"127.0.0.1:{free_tcp_port()}",
        "handles_addr": f"127.0.0.1:{free_tcp_port()}",
    }
    values.update(overrides)
    return Settings(**values)


async def start_host(
    settings: Settings, spec: ServiceSpec, build: Callable[[ServiceHost], Awaitable[None]]
) -> ServiceHost:
    host = ServiceHost(settings, spec)
    await host.start(build)
    return host


def wait_serving(port: int, service: str = "", timeout_s: float = 20.0) -> None:
    """Block until grpc.health.v1 says SERVING on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout_s
    last: object = None
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
                last = reply.status
            except grpc.RpcError as exc:
                last = exc.code()
            time.sleep(0.05)
    raise TimeoutError(f"service on port {port} not SERVING after {timeout_s}s (last: {last})")


class ServiceProcess:
    """One service as a real process (``python -m <module>``)."""

    def __init__(self, module: str, env: dict[str, str], log_path: Path) -> None:
        self.module = module
        self.grpc_port = int(env.get("IPNDHT_GRPC_PORT") or free_tcp_port())
        self.env = {**os.environ, **env, "IPNDHT_GRPC_PORT": str(self.grpc_port)}
        self.env.setdefault("IPNDHT_METRICS_PORT", str(free_tcp_port()))
        self.env.setdefault("IPNDHT_DHT_PORT", "0")
        self.env.setdefault("IPNDHT_MIN_PEERS", "0")
        # As in make_settings: never the default ports of a `make run` system.
        self.env.setdefault("IPNDHT_DISCOVERY_ADDR", f"127.0.0.1:{free_tcp_port()}")
        self.env.setdefault("IPNDHT_HANDLES_ADDR", f"127.0.0.1:{free_tcp_port()}")
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.module],
            cwd=REPO,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def wait(self, timeout_s: float) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout_s)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc is not None:
            self.log.close()
        self.proc = None
