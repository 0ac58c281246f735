"""`make run`: the whole ipndht system on one machine, nothing to configure.

Starts Redis (uses one already reachable at IPNDHT_REDIS_URL, else a local
``redis-server`` under the data directory, else runs without a cache and
says so), then the three services, each log line prefixed with its process's
name. Prints the endpoints once all are SERVING. Ctrl-C (or SIGTERM) stops
everything cleanly; state stays under the data directory for the next run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sys
from dataclasses import dataclass, field
from urllib.parse import urlparse

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.core.host import DHT_NODE, SPECS
from services.core.keyfile import ensure_key_file
from services.core.settings import load_settings_or_exit

#: Processes in start order: (name, module, spec). Discovery first: the
#: others join the overlay through it.
PROCESSES = [
    ("discovery", "services.discovery", "discovery"),
    ("handle-registry", "services.handles", "handle-registry"),
    ("content-routing", "services.content", "content-routing"),
]

#: DHT-only nodes started beside the services, so that the minimum-peer rule
#: (2 by default) holds and records are really replicated on one machine.
EXTRA_DHT_NODES = 2

#: How long a process may take to report SERVING before start-up fails.
START_TIMEOUT_S = 60.0

_COLOURS = ["\033[36m", "\033[35m", "\033[33m", "\033[32m", "\033[34m", "\033[31m"]


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    proc: asyncio.subprocess.Process | None = None
    pump: asyncio.Task[None] | None = field(default=None, repr=False)


def _say(text: str) -> None:
    print(f"[run] {text}", flush=True)


def _redis_reachable(url: str) -> bool:
    """Whether a Redis answers at ``url`` (redis://, rediss:// or unix://)."""
    parsed = urlparse(url)
    try:
        if parsed.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(0.5)
            try:
                sock.connect(parsed.path)
            except OSError:
                sock.close()
                raise
        else:
            sock = socket.create_connection(
                (parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=0.5
            )
        with sock:
            if parsed.scheme == "rediss":
                return True  # TLS: a PING would need the handshake; the port answers
            sock.sendall(b"PING\r\n")
            reply = sock.recv(64)
            return reply.startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


def _redis_listen_args(url: str) -> list[str] | None:
    """redis-server arguments to serve ``url`` on this machine, or None when
    the URL is not one a local redis-server can serve (a remote host, TLS)."""
    parsed = urlparse(url)
    if parsed.scheme == "unix" and parsed.path:
        return ["--port", "0", "--unixsocket", parsed.path, "--unixsocketperm", "700"]
    if parsed.scheme == "redis" and parsed.hostname in ("127.0.0.1", "localhost", "::1"):
        return ["--port", str(parsed.port or 6379), "--bind", _loopback(parsed.hostname)]
    return None


def _loopback(hostname: str | None) -> str:
    """The address a local redis-server binds for a URL's host: ::1 when the
    URL names it (the reachability check connects there), else 127.0.0.1."""
    return "::1" if hostname == "::1" else "127.0.0.1"


def _redis_where(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme == "unix":
        return f"unix:{parsed.path}"
    host = _loopback(parsed.hostname)
    return f"[{host}]:{parsed.port or 6379}" if ":" in host else f"{host}:{parsed.port or 6379}"


class Launcher:
    def __init__(self) -> None:
        self.settings = load_settings_or_exit()
        self.data_dir = self.settings.data_dir.resolve()
        self.children: list[Child] = []
        self.redis: Child | None = None
        self.stopping = asyncio.Event()
        self._ports: dict[str, int] = {}
        self.colour = sys.stdout.isatty()

    # -- Redis --------------------------------------------------------------------

    async def start_redis(self) -> str:
        url = self.settings.redis_url
        if not url:
            _say("IPNDHT_REDIS_URL is empty: running without a cache")
            return ""
        if _redis_reachable(url):
            _say(f"using the Redis already running at {url}")
            return url
        binary = shutil.which("redis-server")
        listen = _redis_listen_args(url)
        if listen is None or binary is None:
            why = "redis-server is not installed" if binary is None else f"{url} is not local"
            _say(
                f"no Redis reachable at {url} and {why}: running WITHOUT a cache "
                "(everything works, reads are slower)"
            )
            return ""
        rdir = self.data_dir / "redis"
        rdir.mkdir(parents=True, exist_ok=True)
        self.redis = Child(
            "redis",
            [
                binary,
                *listen,
                "--dir",
                str(rdir),
                "--appendonly",
                "yes",
                "--save",
                "",
                "--loglevel",
                "warning",
            ],
            dict(os.environ),
        )
        await self._spawn(self.redis)
        for _ in range(100):
            if _redis_reachable(url):
                _say(f"started redis-server on {_redis_where(url)} (data in {rdir})")
                return url
            await asyncio.sleep(0.05)
        _say("redis-server did not start: running WITHOUT a cache")
        await self._terminate(self.redis, 5)
        self.redis = None
        return ""

    # -- children -----------------------------------------------------------------

    async def _spawn(self, child: Child) -> None:
        child.proc = await asyncio.create_subprocess_exec(
            *child.argv,
            env=child.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        child.pump = asyncio.create_task(self._pump(child))

    async def _pump(self, child: Child) -> None:
        assert child.proc is not None and child.proc.stdout is not None
        index = len(self.children) % len(_COLOURS)
        prefix = (
            f"{_COLOURS[index]}{child.name:>16}\033[0m |"
            if self.colour
            else (f"{child.name:>16} |")
        )
        while line := await child.proc.stdout.readline():
            sys.stdout.write(f"{prefix} {line.decode(errors='replace').rstrip()}\n")
            sys.stdout.flush()
        code = await child.proc.wait()
        if not self.stopping.is_set():
            _say(f"{child.name} exited unexpectedly with code {code}; stopping everything")
            self.stopping.set()

    async def _terminate(self, child: Child, timeout_s: float) -> None:
        proc = child.proc
        if proc is None or proc.returncode is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), timeout_s)
        except TimeoutError:
            _say(f"{child.name} did not stop in {timeout_s:.0f}s; killing it")
            proc.kill()
            await proc.wait()
        if child.pump is not None:
            await asyncio.gather(child.pump, return_exceptions=True)

    async def _wait_health(self, name: str, port: int, *, serving: bool) -> None:
        """Until ``name`` answers health checks: SERVING when ``serving``, else at all."""
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT_S
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while asyncio.get_running_loop().time() < deadline and not self.stopping.is_set():
                try:
                    reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                    if not serving or reply.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.aio.AioRpcError:
                    pass
                await asyncio.sleep(0.1)
        if not self.stopping.is_set():
            wanted = "SERVING" if serving else "answering"
            raise TimeoutError(f"{name} was not {wanted} within {START_TIMEOUT_S:.0f}s")

    # -- run ----------------------------------------------------------------------

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stopping.set)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        code = 0
        try:
            redis_url = await self.start_redis()
            env = dict(os.environ)
            env["IPNDHT_REDIS_URL"] = redis_url
            env["IPNDHT_DATA_DIR"] = str(self.data_dir)
            key_file = self.settings.registrar_key_file or (
                self.data_dir / "handle-registry" / "registrar.key"
            )
            registrar = ensure_key_file(key_file)
            env["IPNDHT_REGISTRAR_KEY_FILE"] = str(key_file)
            trusted = [*self.settings.trusted_registrars, registrar]
            env["IPNDHT_TRUSTED_REGISTRARS"] = ",".join(dict.fromkeys(trusted))
            if self.colour:
                env.setdefault("IPNDHT_LOG_FORMAT", "console")
            discovery_dht = f"127.0.0.1:{SPECS['discovery'].dht_port}"
            for name, module, spec_name in PROCESSES:
                child_env = dict(env)
                if name != "discovery" and not self.settings.bootstrap:
                    child_env["IPNDHT_BOOTSTRAP"] = discovery_dht
                self.children.append(Child(name, [sys.executable, "-m", module], child_env))
                self._ports[name] = SPECS[spec_name].grpc_port
            for index in range(1, EXTRA_DHT_NODES + 1):
                name = f"dht-node-{index}"
                child_env = dict(env)
                child_env["IPNDHT_GRPC_PORT"] = str(DHT_NODE.grpc_port + index)
                child_env["IPNDHT_DHT_PORT"] = str(DHT_NODE.dht_port + index - 1)
                child_env["IPNDHT_METRICS_PORT"] = str(DHT_NODE.metrics_port + index - 1)
                child_env["IPNDHT_DATA_DIR"] = str(self.data_dir / name)
                if not self.settings.bootstrap:
                    child_env["IPNDHT_BOOTSTRAP"] = discovery_dht
                argv = [sys.executable, "-m", "services.dhtnode"]
                self.children.append(Child(name, argv, child_env))
                self._ports[name] = DHT_NODE.grpc_port + index
            # Discovery first, answering on gRPC (its DHT node is bound by
            # then), so the others find it when they bootstrap.
            first, rest = self.children[0], self.children[1:]
            await self._spawn(first)
            await self._wait_health(first.name, self._ports[first.name], serving=False)
            for child in rest:
                await self._spawn(child)
            for child in self.children:
                await self._wait_health(child.name, self._ports[child.name], serving=True)
            if not self.stopping.is_set():
                self._print_endpoints(redis_url)
                await self.stopping.wait()
        except TimeoutError as exc:
            _say(str(exc))
            code = 1
        finally:
            self.stopping.set()
            _say("stopping ...")
            grace = self.settings.shutdown_grace_s + 5
            await asyncio.gather(*(self._terminate(c, grace) for c in reversed(self.children)))
            if self.redis is not None:
                await self._terminate(self.redis, 10)
            _say("stopped; state kept in " + str(self.data_dir))
        return code

    def _print_endpoints(self, redis_url: str) -> None:
        host = self.settings.grpc_host
        lines = ["ipndht is up:"]
        for name, _, _ in PROCESSES:
            spec = SPECS[name]
            lines.append(
                f"  {spec.grpc_service:<34} grpc {host}:{spec.grpc_port}"
                f"   metrics http://{self.settings.metrics_host}:{spec.metrics_port}/metrics"
            )
        extra = ", ".join(f"{n}=127.0.0.1:{p}" for n, p in self._ports.items() if "dht-node" in n)
        lines.append(f"  DHT-only nodes (gRPC health): {extra}")
        lines.append(f"  cache: {redis_url or 'none (running without Redis)'}")
        lines.append(f"  data:  {self.data_dir}")
        lines.append("  Ctrl-C stops everything.")
        for line in lines:
            _say(line)


def main() -> None:
    raise SystemExit(asyncio.run(Launcher().run()))


if __name__ == "__main__":
    main()
