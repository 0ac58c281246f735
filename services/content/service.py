"""Wiring of the content-routing service into its host, and its servicer.

The servicer checks the request shape, calls one domain object and maps the
result; the domain objects (``ProviderIndex``, ``Timeline``, ``Resources``)
know nothing of gRPC.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import grpc

from ipndht.v1 import common_pb2, content_pb2, content_pb2_grpc
from services.content.constants import DEFAULT_PAGE_LIMIT, DEFAULT_PROVIDER_LIMIT, MAX_LIMIT
from services.content.domain import make_domain, wall_clock_us
from services.content.listing import list_page
from services.content.providers import ProviderIndex
from services.content.resources import Resources
from services.content.timeline import Timeline
from services.core.errors import InvalidArgument
from services.core.host import ServiceHost
from services.discovery.join import join_via_discovery


def _limit(value: int, default: int) -> int:
    if value == 0:
        return default
    if value > MAX_LIMIT:
        raise InvalidArgument(f"limit {value} is over the maximum of {MAX_LIMIT}")
    return value


def _record(
    request: content_pb2.ProvideRequest
    | content_pb2.StopProvidingRequest
    | content_pb2.AnnounceResourceRequest,
) -> common_pb2.SignedRecord:
    if not request.HasField("record"):
        raise InvalidArgument("record is required: a SignedRecord signed by its publisher")
    return request.record


def _timer(hex_: str, time_us: int) -> common_pb2.HashTimer:
    return common_pb2.HashTimer(hex=hex_, time_us=time_us)


class ContentRoutingServicer(content_pb2_grpc.ContentRoutingServiceServicer):
    """``ipndht.v1.ContentRoutingService`` over the domain objects."""

    def __init__(
        self,
        host: ServiceHost,
        providers: ProviderIndex,
        timeline: Timeline,
        resources: Resources,
        clock: Callable[[], int] = wall_clock_us,
    ) -> None:
        self._host = host
        self._providers = providers
        self._timeline = timeline
        self._resources = resources
        self._clock = clock

    async def Provide(
        self, request: content_pb2.ProvideRequest, context: grpc.aio.ServicerContext
    ) -> content_pb2.ProvideResponse:
        record = _record(request)
        self._host.check_writable()
        done = await self._providers.provide(record)
        return content_pb2.ProvideResponse(
            hash_timer=_timer(done.timer.hex, done.timer.time_us),
            holders=done.holders,
            expires_at_us=done.expires_at_us,
        )

    async def StopProviding(
        self, request: content_pb2.StopProvidingRequest, context: grpc.aio.ServicerContext
    ) -> content_pb2.StopProvidingResponse:
        record = _record(request)
        self._host.check_writable()
        holders = await self._providers.stop(record)
        return content_pb2.StopProvidingResponse(holders=holders)

    async def FindProviders(
        self, request: content_pb2.FindProvidersRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[content_pb2.FindProvidersResponse]:
        if not request.HasField("content"):
            raise InvalidArgument("content is required: a ContentHash (algorithm and digest)")
        limit = _limit(request.limit, DEFAULT_PROVIDER_LIMIT)
        for found in await self._providers.find(request.content, limit):
            yield content_pb2.FindProvidersResponse(
                provider_key=found.record.signer,
                provider=found.payload,
                record=found.record.to_proto(),
            )

    async def ListContent(
        self, request: content_pb2.ListContentRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[content_pb2.ListContentResponse]:
        limit = _limit(request.limit, DEFAULT_PAGE_LIMIT)
        entries, token = await list_page(
            self._timeline,
            request.since_us,
            request.until_us,
            limit,
            request.order,
            request.page_token,
            self._clock(),
        )
        for entry in entries:
            yield content_pb2.ListContentResponse(entry=entry)
        yield content_pb2.ListContentResponse(
            page=common_pb2.PageInfo(next_page_token=token, count=len(entries))
        )

    async def AnnounceResource(
        self, request: content_pb2.AnnounceResourceRequest, context: grpc.aio.ServicerContext
    ) -> content_pb2.AnnounceResourceResponse:
        record = _record(request)
        self._host.check_writable()
        done = await self._resources.announce(record)
        return content_pb2.AnnounceResourceResponse(
            holders=done.holders, hash_timer=_timer(done.timer.hex, done.timer.time_us)
        )

    async def DiscoverResources(
        self, request: content_pb2.DiscoverResourcesRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[content_pb2.DiscoverResourcesResponse]:
        limit = _limit(request.limit, DEFAULT_PAGE_LIMIT)
        for found in await self._resources.discover(request.type, dict(request.filters), limit):
            yield content_pb2.DiscoverResourcesResponse(
                announcer_key=found.record.signer,
                resource=found.payload,
                record=found.record.to_proto(),
            )


async def build(host: ServiceHost) -> None:
    """Build the domain objects on the host's DHT node and cache, start the
    republish loop and add the servicer to the host's server."""
    if host.dht is None:
        raise RuntimeError("the content service needs a started DHT node")
    domain = make_domain(host.dht, host.cache, host.settings, host.data_dir, policy=host.policy)
    host.spawn(domain.republisher.run(), "content-republish")
    host.spawn(join_via_discovery(host), "join-via-discovery")
    host.on_stop(domain.close)
    content_pb2_grpc.add_ContentRoutingServiceServicer_to_server(
        ContentRoutingServicer(host, domain.providers, domain.timeline, domain.resources),
        host.server,
    )
