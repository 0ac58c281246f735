"""The asyncio content-routing client (``ipndht.v1.ContentRoutingService``);
see ``aio.py`` for the conventions every call follows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import grpc

from ipndht.v1 import (
    common_pb2,
    content_pb2,
    content_pb2_grpc,
)
from ipndht_client import content as content_sdk
from ipndht_client import requests as rq
from ipndht_client.calls import AsyncCaller, R
from ipndht_client.errors import Aborted
from services.core.records.keys import Ed25519PrivateKey


class AsyncContentClient:
    """Content routing (``ipndht.v1.ContentRoutingService``).

    Announcements and withdrawals are signed with ``key``; without ``seq``
    the seq is the current time in microseconds (always above an earlier
    one), and an ABORTED answer naming the current seq is retried once with
    the seq after it."""

    def __init__(self, channel: grpc.aio.Channel, timeout_s: float) -> None:
        self._call = AsyncCaller(channel, timeout_s)
        self._stub = content_pb2_grpc.ContentRoutingServiceStub(channel)

    async def _signed(
        self,
        method: Callable[..., Any],
        response: type[R],
        build: Callable[[int], Any],
        seq: int | None,
    ) -> R:
        try:
            return await self._call.unary(method, response, build(seq or content_sdk.now_us()))
        except Aborted as exc:
            if seq is not None or exc.current_seq is None:
                raise
            retry_seq = max(exc.current_seq + 1, content_sdk.now_us())
            return await self._call.unary(method, response, build(retry_seq))

    async def provide(
        self,
        key: Ed25519PrivateKey,
        content: common_pb2.ContentHash,
        *,
        size: int = 0,
        handle: str = "",
        addresses: Iterable[str] = (),
        ttl_s: int | None = None,
        seq: int | None = None,
    ) -> content_pb2.ProvideResponse:
        """Announce that ``key`` serves ``content`` (for ``ttl_s``, default 48 h)."""
        addrs = list(addresses)
        return await self._signed(
            self._stub.Provide,
            content_pb2.ProvideResponse,
            lambda s: rq.provide_request(
                key, content, seq=s, size=size, handle=handle, addresses=addrs, ttl_s=ttl_s
            ),
            seq,
        )

    async def provide_file(
        self,
        key: Ed25519PrivateKey,
        path: str | Path,
        *,
        algorithm: int = content_sdk.BLAKE3,
        progress: content_sdk.Progress | None = None,
        handle: str = "",
        addresses: Iterable[str] = (),
        ttl_s: int | None = None,
        seq: int | None = None,
    ) -> content_pb2.ProvideResponse:
        """Hash the file at ``path`` (``progress(done, total)`` while
        hashing) and announce it with its size."""
        content, size = content_sdk.hash_file(path, algorithm, progress=progress)
        return await self.provide(
            key, content, size=size, handle=handle, addresses=addresses, ttl_s=ttl_s, seq=seq
        )

    async def stop_providing(
        self, key: Ed25519PrivateKey, content: common_pb2.ContentHash, *, seq: int | None = None
    ) -> content_pb2.StopProvidingResponse:
        """Withdraw ``key``'s announcement of ``content``."""
        return await self._signed(
            self._stub.StopProviding,
            content_pb2.StopProvidingResponse,
            lambda s: rq.stop_request(key, content, seq=s),
            seq,
        )

    async def find_providers(
        self, content: common_pb2.ContentHash, *, limit: int = 0
    ) -> list[content_pb2.FindProvidersResponse]:
        """The providers of ``content``, newest first (``limit`` 0: 20)."""
        request = content_pb2.FindProvidersRequest(content=content, limit=limit)
        return await self._call.stream(
            self._stub.FindProviders, content_pb2.FindProvidersResponse, request
        )

    async def list_content(
        self,
        *,
        since_us: int = 0,
        until_us: int = 0,
        page_size: int = 0,
        page_token: str = "",
        order: int = content_pb2.LIST_ORDER_ASCENDING,
    ) -> tuple[list[content_pb2.ContentEntry], str]:
        """One page of announcements in [since_us, until_us) and the next
        page's token ("" after the last page)."""
        request = rq.list_content_request(
            since_us=since_us,
            until_us=until_us,
            page_size=page_size,
            page_token=page_token,
            order=order,
        )
        return rq.split_page(
            await self._call.stream(
                self._stub.ListContent, content_pb2.ListContentResponse, request
            )
        )

    async def iter_content(
        self,
        *,
        since_us: int = 0,
        until_us: int = 0,
        page_size: int = 0,
        order: int = content_pb2.LIST_ORDER_ASCENDING,
    ) -> AsyncIterator[content_pb2.ContentEntry]:
        """Every announcement in the window, page after page."""
        token = ""
        while True:
            entries, token = await self.list_content(
                since_us=since_us,
                until_us=until_us,
                page_size=page_size,
                page_token=token,
                order=order,
            )
            for entry in entries:
                yield entry
            if not token:
                return

    async def announce_resource(
        self,
        key: Ed25519PrivateKey,
        type: str,
        resource_id: str,
        *,
        data: bytes = b"",
        attributes: Mapping[str, str] | None = None,
        ttl_s: int | None = None,
        seq: int | None = None,
    ) -> content_pb2.AnnounceResourceResponse:
        """Publish resource ``type``/``resource_id`` (``ttl_s`` default 1 h)."""
        return await self._signed(
            self._stub.AnnounceResource,
            content_pb2.AnnounceResourceResponse,
            lambda s: rq.resource_request(
                key, type, resource_id, seq=s, data=data, attributes=attributes, ttl_s=ttl_s
            ),
            seq,
        )

    async def discover_resources(
        self, type: str, *, filters: Mapping[str, str] | None = None, limit: int = 0
    ) -> list[content_pb2.DiscoverResourcesResponse]:
        """Unexpired resources of ``type`` whose attributes match every filter."""
        request = content_pb2.DiscoverResourcesRequest(
            type=type, filters=dict(filters or {}), limit=limit
        )
        return await self._call.stream(
            self._stub.DiscoverResources, content_pb2.DiscoverResourcesResponse, request
        )
