"""The synchronous client: ``Client`` with ``.discovery``, ``.handles`` and
``.content``.

Every call has a deadline (``timeout_s``), is retried on UNAVAILABLE with
backoff by the channel's service config (``config.service_config``), sends a
fresh ``x-request-id`` and raises an ``IpndhtError`` subclass on failure;
``grpc.RpcError`` never escapes.

Keyword names follow the protos where they differ from a plain reading:
``list_peers(sources=, states=, page_size=, page_token=)``,
``bootstrap(force_dns=)``, ``watch_peers(kinds=, include_current=, timeout_s=)``,
``bootstrap_peers(limit=)``, ``discover_resources(type, filters=, limit=)``,
``announce_resource(key, type, resource_id, data=, attributes=, ttl_s=)``.
Provider records have no metadata field, so ``provide`` takes none. README.md
lists every difference from the agreed surface.
"""

from __future__ import annotations

from types import TracebackType

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from ipndht_client import requests as rq
from ipndht_client.calls import Caller
from ipndht_client.config import DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_S, Endpoints, channel_options
from ipndht_client.content_client import ContentClient
from ipndht_client.discovery_client import DiscoveryClient
from ipndht_client.errors import NotFound
from ipndht_client.handles_client import HandlesClient

__all__ = ["Client", "ContentClient", "DiscoveryClient", "HandlesClient"]


class Client:
    """The three services, one channel per distinct endpoint."""

    def __init__(
        self,
        endpoints: Endpoints | None = None,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be positive, not {timeout_s}")
        self.endpoints = Endpoints.from_env() if endpoints is None else endpoints
        self.timeout_s = timeout_s
        options = channel_options(max_attempts)
        self._channels: dict[str, grpc.Channel] = {}
        for target in (self.endpoints.discovery, self.endpoints.handles, self.endpoints.content):
            if target not in self._channels:
                self._channels[target] = grpc.insecure_channel(target, options=options)
        self.discovery = DiscoveryClient(self._channels[self.endpoints.discovery], timeout_s)
        self.handles = HandlesClient(self._channels[self.endpoints.handles], timeout_s)
        self.content = ContentClient(self._channels[self.endpoints.content], timeout_s)

    def _channel_of(self, service: str) -> grpc.Channel:
        return self._channels[getattr(self.endpoints, service)]

    def health(self, service: str) -> str:
        """The health of ``service`` ("discovery", "handles" or "content"):
        "SERVING", "NOT_SERVING" or "SERVICE_UNKNOWN"; Unavailable when the
        service is down."""
        name = rq.health_name(service)
        caller = Caller(self._channel_of(service), self.timeout_s)
        stub = health_pb2_grpc.HealthStub(caller.channel)
        try:
            request = health_pb2.HealthCheckRequest(service=name)
            answer = caller.unary(stub.Check, health_pb2.HealthCheckResponse, request)
        except NotFound:
            return "SERVICE_UNKNOWN"
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status))

    def close(self) -> None:
        """Close every channel; calls in flight are cancelled."""
        for channel in self._channels.values():
            channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
