"""The service host: one way every ipndht service starts, serves and stops.

A host owns the ``grpc.aio`` server (with the interceptor, health and
reflection), the metrics endpoint, the cache, and the background tasks of its
service. ``serve()`` runs until SIGTERM or SIGINT, then shuts down gracefully:
health goes NOT_SERVING (including ``ipndht.accepting``, which clients watch
to stop sending), the server keeps answering for a short drain, then new RPCs
are refused with UNAVAILABLE, in-flight RPCs get the rest of the grace
period, background tasks are cancelled and stop hooks flush state.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection

from services.core import constants as c
from services.core import errors, metrics, nodes
from services.core.cache import Cache, NullCache, open_cache
from services.core.dht.node import DhtNode
from services.core.interceptors import ServerInterceptor
from services.core.logging import get_logger
from services.core.records.rules import SignedRecordPolicy
from services.core.settings import Settings

log = get_logger(__name__)

StopHook = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class ServiceSpec:
    """Fixed names and default ports of one service (DESIGN.md)."""

    name: str
    grpc_service: str
    grpc_port: int
    dht_port: int
    metrics_port: int


DISCOVERY = ServiceSpec("discovery", c.DISCOVERY_SERVICE, 50051, 8468, 9101)
HANDLES = ServiceSpec("handle-registry", c.HANDLES_SERVICE, 50052, 8469, 9102)
CONTENT = ServiceSpec("content-routing", c.CONTENT_SERVICE, 50053, 8470, 9103)
#: A DHT-only node (no gRPC service of its own; health, reflection and
#: metrics only). Extra nodes take the next ports: IPNDHT_*_PORT override them.
DHT_NODE = ServiceSpec("dht-node", "", 50060, 8471, 9104)
SPECS = {spec.name: spec for spec in (DISCOVERY, HANDLES, CONTENT, DHT_NODE)}


class ServiceHost:
    """Hosts one service's gRPC server, metrics, cache and background tasks."""

    def __init__(self, settings: Settings, spec: ServiceSpec) -> None:
        self.settings = settings
        self.spec = spec
        self.health = HealthServicer()
        self.cache: Cache = NullCache(spec.name)
        self.server: grpc.aio.Server = grpc.aio.server(
            interceptors=[
                ServerInterceptor(spec.name, settings.default_deadline_s, settings.access_log)
            ],
            options=[
                ("grpc.max_receive_message_length", settings.max_message_bytes),
                ("grpc.max_send_message_length", settings.max_message_bytes),
                ("grpc.so_reuseport", 0),
                ("grpc.server.max_pending_requests", c.GRPC_MAX_PENDING_REQUESTS),
                ("grpc.server.max_pending_requests_hard_limit", 2 * c.GRPC_MAX_PENDING_REQUESTS),
            ],
            maximum_concurrent_rpcs=settings.max_concurrent_rpcs,
        )
        self.dht: DhtNode | None = None
        #: The record policy of this process (the DHT node's), built once at start.
        self.policy: SignedRecordPolicy | None = None
        #: Live-peer count used by the minimum-peer rule; discovery installs
        #: its ping-measured count, other services count routing-table entries.
        self.live_peers_fn: Callable[[], int] | None = None
        self.grpc_port = 0
        self.metrics_port = 0
        self.started_at = time.monotonic()
        self._metrics: metrics.MetricsServer | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stop_hooks: list[StopHook] = []
        self._stop_requested = asyncio.Event()
        self._stopped = False
        self._serving = False
        self._built = False

    # -- background work ----------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run ``coro`` in the background, referenced, cancelled at shutdown."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background_task_failed", task=task.get_name(), exc_info=task.exception())

    def on_stop(self, hook: StopHook) -> None:
        """Run ``hook`` at shutdown after RPCs finished (flush state), in reverse order."""
        self._stop_hooks.append(hook)

    @property
    def data_dir(self) -> Path:
        """This service's own directory under IPNDHT_DATA_DIR (created at start)."""
        return self.settings.data_dir / self.spec.name

    # -- health -------------------------------------------------------------------

    async def set_serving(self, serving: bool) -> None:
        """Set health for the service name and for "" (the whole process)."""
        if self._stopped:
            return
        self._serving = serving
        status = (
            health_pb2.HealthCheckResponse.SERVING
            if serving
            else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        if self.spec.grpc_service:
            await self.health.set(self.spec.grpc_service, status)
        await self.health.set("", status)
        metrics.SERVING.labels(self.spec.name).set(1 if serving else 0)

    # -- life cycle ---------------------------------------------------------------

    def live_peers(self) -> int:
        """Live DHT peers now."""
        if self.live_peers_fn is not None:
            return self.live_peers_fn()
        return 0 if self.dht is None else nodes.live_peers(self.dht)

    def check_writable(self) -> None:
        """Raise NotEnoughPeers (UNAVAILABLE) while below the minimum-peer rule."""
        have = self.live_peers()
        if have < self.settings.min_peers:
            raise errors.NotEnoughPeers(have=have, need=self.settings.min_peers)

    def min_peers_met(self) -> bool:
        return self.live_peers() >= self.settings.min_peers

    async def _watch_peers(self) -> None:
        """Health follows the minimum-peer rule, lifting by itself when peers
        arrive; while short of peers the bootstrap list is tried again, with
        backoff, so a node started before its peers still joins them."""
        retry_at = 0.0
        backoff = c.REBOOTSTRAP_MIN_S
        while True:
            wanted = self._built and self.min_peers_met()
            if wanted != self._serving:
                await self.set_serving(wanted)
            short = self.dht is not None and self.live_peers() < max(1, self.settings.min_peers)
            now = time.monotonic()
            if short and self.settings.bootstrap and now >= retry_at:
                await self._bootstrap_from_settings()
                retry_at = now + backoff
                backoff = min(backoff * 2, c.REBOOTSTRAP_MAX_S)
            elif not short:
                backoff = c.REBOOTSTRAP_MIN_S
            await asyncio.sleep(c.PEER_GATE_POLL_S)

    async def _bootstrap_from_settings(self) -> None:
        if self.dht is None:
            return
        node = self.dht
        seeds = [a for a in await nodes.resolve_peers(self.settings.bootstrap) if a != node.address]
        if seeds:
            await node.bootstrap(seeds)

    async def start_dht(self) -> DhtNode:
        """Start this process's DHT node and join the configured bootstrap peers."""
        s = self.settings
        port = self.spec.dht_port if s.dht_port is None else s.dht_port
        self.policy = nodes.build_policy(s)
        node = DhtNode(nodes.dht_config(s, port, self.data_dir), self.policy)
        await node.start()
        self.dht = node
        metrics.DHT.track(self.spec.name, node.figures)
        await self._bootstrap_from_settings()
        return node

    async def start(self, build: Callable[[ServiceHost], Awaitable[None]]) -> None:
        """Open the cache, start the DHT node, let ``build`` add the servicers,
        then listen. Health is SERVING once built and the minimum-peer rule holds."""
        s = self.settings
        self.cache = await open_cache(
            s.redis_url, service=self.spec.name, timeout_s=s.cache_timeout_ms / 1000
        )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        await self.set_serving(False)
        await self.start_dht()
        await build(self)
        self._built = True
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection(
            tuple(
                name
                for name in (
                    self.spec.grpc_service,
                    health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                    reflection.SERVICE_NAME,
                )
                if name
            ),
            self.server,
        )
        port = self.spec.grpc_port if s.grpc_port is None else s.grpc_port
        self.grpc_port = self.server.add_insecure_port(f"{s.grpc_host}:{port}")
        if self.grpc_port == 0:
            raise OSError(f"cannot listen on {s.grpc_host}:{port} (IPNDHT_GRPC_PORT)")
        await self.health.set(c.ACCEPTING_HEALTH_NAME, health_pb2.HealthCheckResponse.SERVING)
        await self.server.start()
        if s.metrics_enabled:
            mport = self.spec.metrics_port if s.metrics_port is None else s.metrics_port
            self._metrics = metrics.MetricsServer(s.metrics_host, mport)
            self.metrics_port = self._metrics.port
        self.spawn(self._watch_peers(), "peer-gate")
        if self.min_peers_met():
            await self.set_serving(True)
        log.info(
            "service_started",
            service=self.spec.name,
            dht=f"{self.dht.address[0]}:{self.dht.address[1]}" if self.dht else None,
            grpc=f"{s.grpc_host}:{self.grpc_port}",
            metrics=f"{s.metrics_host}:{self.metrics_port}" if self._metrics else None,
            cache="up" if self.cache.up else "down",
        )

    def request_stop(self) -> None:
        """Ask ``serve()`` to shut down (what SIGTERM and SIGINT do)."""
        self._stop_requested.set()

    async def stop(self, grace_s: float | None = None) -> None:
        """Graceful shutdown; safe to call more than once."""
        if self._stopped:
            return
        grace = self.settings.shutdown_grace_s if grace_s is None else grace_s
        log.info("service_stopping", service=self.spec.name, grace_s=grace)
        await self.set_serving(False)
        self._stopped = True
        await self.health.enter_graceful_shutdown()
        drain = min(grace, c.SHUTDOWN_DRAIN_S)
        if drain > 0:
            await asyncio.sleep(drain)
        await self.server.stop(grace - drain)
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for hook in reversed(self._stop_hooks):
            try:
                await hook()
            except Exception:
                log.exception("stop_hook_failed", hook=getattr(hook, "__qualname__", repr(hook)))
        if self.dht is not None:
            metrics.DHT.untrack(self.spec.name)
            await self.dht.stop()
            self.dht = None
        await self.cache.close()
        if self._metrics is not None:
            await asyncio.to_thread(self._metrics.stop)
            self._metrics = None
        log.info("service_stopped", service=self.spec.name)

    async def serve(self, build: Callable[[ServiceHost], Awaitable[None]]) -> None:
        """Start, run until SIGTERM/SIGINT (or ``request_stop``), then stop."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop)
        try:
            await self.start(build)
            await self._stop_requested.wait()
        finally:
            await self.stop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(Exception):
                    loop.remove_signal_handler(sig)
