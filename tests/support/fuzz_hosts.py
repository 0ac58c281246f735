"""The three services as in-process hosts on an event loop of their own
thread, so that synchronous hypothesis tests can call them over gRPC.

The loop records every exception no task handled (its exception handler),
and every RPC is checked for INTERNAL or UNKNOWN by the caller.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import grpc
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from grpc_health.v1 import health_pb2, health_pb2_grpc

from ipndht.v1 import content_pb2, discovery_pb2, handles_pb2
from services.content.service import build as build_content
from services.core.host import CONTENT, DISCOVERY, HANDLES, ServiceHost, ServiceSpec
from services.discovery.service import build as build_discovery
from services.handles.service import build as build_handles
from tests.support.handles_hosts import make_registrar
from tests.support.services import make_settings, start_host

T = TypeVar("T")
#: Longest a host may take to start or stop on a loaded 2-core machine.
LIFECYCLE_TIMEOUT_S = 60.0

SERVICES: dict[str, ServiceDescriptor] = {
    "discovery": discovery_pb2.DESCRIPTOR.services_by_name["DiscoveryService"],
    "handles": handles_pb2.DESCRIPTOR.services_by_name["HandleRegistryService"],
    "content": content_pb2.DESCRIPTOR.services_by_name["ContentRoutingService"],
}
_PLAN: dict[str, tuple[ServiceSpec, Callable[[ServiceHost], Awaitable[None]]]] = {
    "discovery": (DISCOVERY, build_discovery),
    "handles": (HANDLES, build_handles),
    "content": (CONTENT, build_content),
}


class LoopThread:
    """An asyncio loop on a daemon thread; ``run`` waits for a coroutine on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.errors: list[dict[str, Any]] = []
        self.loop.set_exception_handler(lambda _loop, ctx: self.errors.append(ctx))
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout_s: float = LIFECYCLE_TIMEOUT_S) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout_s)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=LIFECYCLE_TIMEOUT_S)
        self.loop.close()


class FuzzHosts:
    """Started hosts of every service, by name, and a channel to each."""

    def __init__(self, runner: LoopThread, hosts: dict[str, ServiceHost]) -> None:
        self.runner = runner
        self.hosts = hosts
        self.channels = {
            name: grpc.insecure_channel(
                f"127.0.0.1:{host.grpc_port}",
                options=[("grpc.max_send_message_length", 64 * 1024 * 1024)],
            )
            for name, host in hosts.items()
        }

    def serving(self, service: str) -> bool:
        """Health of ``service``'s host says SERVING."""
        stub = health_pb2_grpc.HealthStub(self.channels[service])
        reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
        return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()


@contextmanager
def fuzz_hosts(tmp_path: Path) -> Iterator[FuzzHosts]:
    """One host per service, alone (no peers, min_peers 0, no Redis), with a
    registrar key; stopped, with their loop, on exit."""
    runner = LoopThread()
    reg = make_registrar(tmp_path)
    hosts: dict[str, ServiceHost] = {}
    fuzz: FuzzHosts | None = None
    try:
        for name, (spec, build) in _PLAN.items():
            settings = make_settings(
                tmp_path / name,
                registrar_key_file=reg.path,
                trusted_registrars=[reg.public_hex],
                metrics_enabled=False,
                dns_seed_delay_s=300,
            )
            hosts[name] = runner.run(start_host(settings, spec, build))
        fuzz = FuzzHosts(runner, hosts)
        yield fuzz
    finally:
        if fuzz is not None:
            fuzz.close()
        for host in hosts.values():
            runner.run(host.stop(grace_s=0))
        runner.close()


def call(
    channel: grpc.Channel, method: MethodDescriptor, request: Message, timeout_s: float
) -> grpc.StatusCode:
    """Call ``method`` with ``request``; the status code it ended with (a
    server stream is read to its end)."""
    path = f"/{method.containing_service.full_name}/{method.name}"
    reply_cls = GetMessageClass(method.output_type)
    serializer = type(request).SerializeToString
    try:
        if method.server_streaming:
            stream = channel.unary_stream(
                path, request_serializer=serializer, response_deserializer=reply_cls.FromString
            )
            for _ in stream(request, timeout=timeout_s):
                pass
        else:
            unary = channel.unary_unary(
                path, request_serializer=serializer, response_deserializer=reply_cls.FromString
            )
            unary(request, timeout=timeout_s)
    except grpc.RpcError as exc:
        code: grpc.StatusCode = exc.code()
        return code
    return grpc.StatusCode.OK
