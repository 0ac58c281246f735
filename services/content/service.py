"""Wiring of the content-routing service into its host."""

from __future__ import annotations

from ipndht.v1 import content_pb2_grpc
from services.core.host import ServiceHost


class ContentRoutingServiceServicer(content_pb2_grpc.ContentRoutingServiceServicer):
    """RPCs not yet served answer UNIMPLEMENTED with a message."""


async def build(host: ServiceHost) -> None:
    """Add the content-routing servicer to the host's server."""
    content_pb2_grpc.add_ContentRoutingServiceServicer_to_server(
        ContentRoutingServiceServicer(),  # type: ignore[abstract]
        host.server,
    )
