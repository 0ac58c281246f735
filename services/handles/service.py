"""Wiring of the handle-registry service into its host."""

from __future__ import annotations

from ipndht.v1 import handles_pb2_grpc
from services.core.host import ServiceHost


class HandleRegistryServiceServicer(handles_pb2_grpc.HandleRegistryServiceServicer):
    """RPCs not yet served answer UNIMPLEMENTED with a message."""


async def build(host: ServiceHost) -> None:
    """Add the handle-registry servicer to the host's server."""
    handles_pb2_grpc.add_HandleRegistryServiceServicer_to_server(
        HandleRegistryServiceServicer(),  # type: ignore[abstract]
        host.server,
    )
