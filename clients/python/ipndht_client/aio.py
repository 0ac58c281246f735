"""The asyncio client: ``AsyncClient`` with ``.discovery``, ``.handles`` and
``.content``, the same surface as ``client.Client`` with ``async`` methods,
async iterators for ``watch_peers`` and ``iter_content``, and ``async with``.

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
from ipndht_client.aio_content import AsyncContentClient
from ipndht_client.aio_discovery import AsyncDiscoveryClient
from ipndht_client.aio_handles import AsyncHandlesClient
from ipndht_client.calls import AsyncCaller
from ipndht_client.config import DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_S, Endpoints, channel_options
from ipndht_client.errors import NotFound

__all__ = ["AsyncClient", "AsyncContentClient", "AsyncDiscoveryClient", "AsyncHandlesClient"]


class AsyncClient:
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
        self._channels: dict[str, grpc.aio.Channel] = {}
        for target in (self.endpoints.discovery, self.endpoints.handles, self.endpoints.content):
            if target not in self._channels:
                self._channels[target] = grpc.aio.insecure_channel(target, options=options)
        self.discovery = AsyncDiscoveryClient(self._channels[self.endpoints.discovery], timeout_s)
        self.handles = AsyncHandlesClient(self._channels[self.endpoints.handles], timeout_s)
        self.content = AsyncContentClient(self._channels[self.endpoints.content], timeout_s)

    def _channel_of(self, service: str) -> grpc.aio.Channel:
        return self._channels[getattr(self.endpoints, service)]

    async def health(self, service: str) -> str:
        """The health of ``service`` ("discovery", "handles" or "content"):
        "SERVING", "NOT_SERVING" or "SERVICE_UNKNOWN"; Unavailable when the
        service is down."""
        name = rq.health_name(service)
        caller = AsyncCaller(self._channel_of(service), self.timeout_s)
        stub = health_pb2_grpc.HealthStub(caller.channel)
        try:
            request = health_pb2.HealthCheckRequest(service=name)
            answer = await caller.unary(stub.Check, health_pb2.HealthCheckResponse, request)
        except NotFound:
            return "SERVICE_UNKNOWN"
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status))

    async def close(self) -> None:
        """Close every channel; calls in flight are cancelled."""
        for channel in self._channels.values():
            await channel.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
