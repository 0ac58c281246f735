"""A minimal in-process HandleRegistryService answering Resolve only, for
content-service tests that name an @handle."""

from __future__ import annotations

import grpc

from ipndht.v1 import handles_pb2, handles_pb2_grpc


class _Resolve(handles_pb2_grpc.HandleRegistryServiceServicer):
    def __init__(self, table: dict[str, bytes]) -> None:
        self.table = table

    async def Resolve(
        self, request: handles_pb2.ResolveRequest, context: grpc.aio.ServicerContext
    ) -> handles_pb2.ResolveResponse:
        key = self.table.get(request.query)
        if key is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"{request.query} is not registered")
        return handles_pb2.ResolveResponse(public_key=key, handle=request.query)


class HandlesStub:
    """``await start()``, then ``address``; ``await stop()`` at the end."""

    def __init__(self, table: dict[str, bytes]) -> None:
        self.table = table
        self.server = grpc.aio.server()
        handles_pb2_grpc.add_HandleRegistryServiceServicer_to_server(
            _Resolve(table),  # type: ignore[abstract]
            self.server,
        )
        self.port = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        await self.server.start()

    async def stop(self) -> None:
        await self.server.stop(0)
