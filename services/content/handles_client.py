"""Resolving a provider's ``@handle`` through the handle registry over gRPC."""

from __future__ import annotations

import grpc

from ipndht.v1 import handles_pb2, handles_pb2_grpc
from services.content.constants import HANDLE_RESOLVE_TIMEOUT_S
from services.core.errors import InvalidArgument, NotFound, Unavailable


class HandleResolver:
    """Asks ``ipndht.v1.HandleRegistryService/Resolve`` at ``address``."""

    def __init__(self, address: str, timeout_s: float = HANDLE_RESOLVE_TIMEOUT_S) -> None:
        self._address = address
        self._timeout = timeout_s
        self._channel: grpc.aio.Channel | None = None

    def _stub(self) -> handles_pb2_grpc.HandleRegistryServiceStub:
        if self._channel is None:
            self._channel = grpc.aio.insecure_channel(self._address)
        return handles_pb2_grpc.HandleRegistryServiceStub(self._channel)

    async def resolve(self, handle: str) -> bytes:
        """The public key ``handle`` resolves to.

        NotFound when it does not resolve, InvalidArgument when the registry
        refuses the name, Unavailable when the registry cannot be reached.
        """
        try:
            reply = await self._stub().Resolve(
                handles_pb2.ResolveRequest(query=handle), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as exc:
            code = exc.code()
            if code == grpc.StatusCode.NOT_FOUND:
                raise NotFound(f"handle {handle} is not registered") from None
            if code == grpc.StatusCode.INVALID_ARGUMENT:
                raise InvalidArgument(f"handle {handle}: {exc.details()}") from None
            raise Unavailable(
                f"the handle registry at {self._address} could not resolve {handle} "
                f"({code.name}: {exc.details()}); retry later"
            ) from None
        return bytes(reply.public_key)

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = None
