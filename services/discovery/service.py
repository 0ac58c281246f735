"""Wiring of the discovery service into its host."""

from __future__ import annotations

from ipndht.v1 import discovery_pb2_grpc
from services.core.host import ServiceHost


class DiscoveryServiceServicer(discovery_pb2_grpc.DiscoveryServiceServicer):
    """RPCs not yet served answer UNIMPLEMENTED with a message."""


async def build(host: ServiceHost) -> None:
    """Add the discovery servicer to the host's server."""
    discovery_pb2_grpc.add_DiscoveryServiceServicer_to_server(
        DiscoveryServiceServicer(),  # type: ignore[abstract]
        host.server,
    )
