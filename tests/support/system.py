"""The whole ipndht system as real processes on free loopback ports.

What `make run` starts, but on ports nobody else uses, so tests (the CLI's,
the SDKs', the fault suite's) can run against it side by side: discovery,
handle-registry, content-routing and ``dht_nodes`` DHT-only nodes, one
registrar key trusted by all of them, every DHT node bootstrapping from
discovery's. Redis is whatever ``redis_url`` names ("" runs without one).

    with System(tmp_path, redis_url=redis.url) as system:
        env = system.env()       # IPNDHT_*_ENDPOINT for clients
        system.processes["handle-registry"].signal(signal.SIGKILL)
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

from services.core.host import SPECS
from tests.support.handles_hosts import Registrar, make_registrar
from tests.support.net import free_tcp_port, free_udp_port
from tests.support.services import ServiceProcess, wait_serving

#: (process name, module, client endpoint name) in start order: discovery
#: first, the others join the overlay through it.
SERVICES = [
    ("discovery", "services.discovery", "discovery"),
    ("handle-registry", "services.handles", "handles"),
    ("content-routing", "services.content", "content"),
]

#: A process gets this long to report SERVING; several start at once on 2 cores.
START_TIMEOUT_S = 60.0


class System:
    """Discovery, handle-registry, content-routing and DHT-only nodes."""

    def __init__(
        self,
        tmp_path: Path,
        *,
        redis_url: str = "",
        dht_nodes: int = 1,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.root = tmp_path / "system"
        self.root.mkdir(parents=True, exist_ok=True)
        self.registrar: Registrar = make_registrar(self.root)
        self.redis_url = redis_url
        self.dht_ports: dict[str, int] = {}
        self.processes: dict[str, ServiceProcess] = {}
        self.endpoints: dict[str, str] = {}
        self.service_names: dict[str, str] = {}
        discovery_dht = free_udp_port()
        grpc_ports = {name: free_tcp_port() for name, _, _ in SERVICES}
        common = {
            "IPNDHT_REDIS_URL": redis_url,
            "IPNDHT_REGISTRAR_KEY_FILE": str(self.registrar.path),
            "IPNDHT_TRUSTED_REGISTRARS": self.registrar.public_hex,
            "IPNDHT_LOG_FORMAT": "json",
            "IPNDHT_SHUTDOWN_GRACE_S": "2",
            "IPNDHT_DISCOVERY_ADDR": f"127.0.0.1:{grpc_ports['discovery']}",
            "IPNDHT_HANDLES_ADDR": f"127.0.0.1:{grpc_ports['handle-registry']}",
            **(extra_env or {}),
        }
        names = [(name, module) for name, module, _ in SERVICES]
        names += [(f"dht-node-{i}", "services.dhtnode") for i in range(1, dht_nodes + 1)]
        for name, module in names:
            dht_port = discovery_dht if name == "discovery" else free_udp_port()
            env = {
                **common,
                "IPNDHT_DATA_DIR": str(self.root / name),
                "IPNDHT_DHT_PORT": str(dht_port),
                "IPNDHT_GRPC_PORT": str(grpc_ports.get(name) or free_tcp_port()),
            }
            if name != "discovery":
                env["IPNDHT_BOOTSTRAP"] = f"127.0.0.1:{discovery_dht}"
            self.dht_ports[name] = dht_port
            self.processes[name] = ServiceProcess(module, env, self.root / f"{name}.log")
        for name, _, endpoint in SERVICES:
            self.endpoints[endpoint] = f"127.0.0.1:{self.processes[name].grpc_port}"
            self.service_names[name] = SPECS[name].grpc_service

    def start(self) -> None:
        """Start every process (discovery first) and wait until all are SERVING."""
        try:
            first, *rest = self.processes.values()
            first.start()
            wait_serving(first.grpc_port, timeout_s=START_TIMEOUT_S)
            for proc in rest:
                proc.start()
            for name in self.processes:
                self.wait_serving(name)
        except BaseException:
            self.stop()
            raise

    def wait_serving(self, name: str) -> None:
        """Block until process ``name`` says SERVING (for its service name)."""
        service = self.service_names.get(name, "")
        wait_serving(self.processes[name].grpc_port, service, timeout_s=START_TIMEOUT_S)

    def restart(self, name: str) -> None:
        """Start process ``name`` again (after a kill), same ports and data."""
        proc = self.processes[name]
        proc.stop()
        proc.start()
        self.wait_serving(name)

    def stop(self) -> None:
        """Stop every process (SIGTERM, then SIGKILL after a wait), last first."""
        for proc in reversed(list(self.processes.values())):
            proc.stop()

    def env(self) -> dict[str, str]:
        """The environment a client (SDK, CLI, Node.js) needs to find the system."""
        return {
            **os.environ,
            "IPNDHT_DISCOVERY_ENDPOINT": self.endpoints["discovery"],
            "IPNDHT_HANDLES_ENDPOINT": self.endpoints["handles"],
            "IPNDHT_CONTENT_ENDPOINT": self.endpoints["content"],
        }

    def logs(self) -> str:
        """Every process's output, headed by its name (for failure messages)."""
        return "\n".join(f"== {n}\n{p.output()}" for n, p in self.processes.items())

    def __enter__(self) -> System:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
