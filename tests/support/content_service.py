"""In-process content services for tests: a host on free ports, with a
handle-registry stub, and a gRPC stub to call it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc

from ipndht.v1 import common_pb2, content_pb2, content_pb2_grpc
from services.content.service import build
from services.core.host import CONTENT, ServiceHost
from tests.support.services import make_settings, start_host


@contextlib.asynccontextmanager
async def content_host(tmp_path: Path, **overrides: Any) -> AsyncIterator[ServiceHost]:
    """A started content service; stopped on exit."""
    host = await start_host(make_settings(tmp_path, **overrides), CONTENT, build)
    try:
        yield host
    finally:
        await host.stop(grace_s=0)


@contextlib.asynccontextmanager
async def content_stub(
    host: ServiceHost,
) -> AsyncIterator[content_pb2_grpc.ContentRoutingServiceStub]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel:
        yield content_pb2_grpc.ContentRoutingServiceStub(channel)


async def find(
    stub: content_pb2_grpc.ContentRoutingServiceStub,
    content: common_pb2.ContentHash,
    limit: int = 0,
) -> list[content_pb2.FindProvidersResponse]:
    call = stub.FindProviders(content_pb2.FindProvidersRequest(content=content, limit=limit))
    return [item async for item in call]


async def list_page(
    stub: content_pb2_grpc.ContentRoutingServiceStub, **fields: Any
) -> tuple[list[content_pb2.ContentEntry], str]:
    entries: list[content_pb2.ContentEntry] = []
    token = ""
    async for item in stub.ListContent(content_pb2.ListContentRequest(**fields)):
        if item.HasField("entry"):
            entries.append(item.entry)
        else:
            token = item.page.next_page_token
    return entries, token


async def list_all(
    stub: content_pb2_grpc.ContentRoutingServiceStub, **fields: Any
) -> list[content_pb2.ContentEntry]:
    """Every page of a window, following the tokens."""
    out: list[content_pb2.ContentEntry] = []
    token = ""
    while True:
        entries, token = await list_page(stub, page_token=token, **fields)
        out.extend(entries)
        if not token:
            return out


async def discover(
    stub: content_pb2_grpc.ContentRoutingServiceStub, type_: str, **fields: Any
) -> list[content_pb2.DiscoverResourcesResponse]:
    call = stub.DiscoverResources(content_pb2.DiscoverResourcesRequest(type=type_, **fields))
    return [item async for item in call]
