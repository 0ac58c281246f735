"""How every SDK call is made: a deadline, a fresh ``x-request-id``, and
``grpc.RpcError`` turned into an ``IpndhtError`` subclass. ``Caller`` for the
synchronous client, ``AsyncCaller`` for the asyncio one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import grpc

from ipndht_client import requests as rq
from ipndht_client.errors import IpndhtError, error_from_rpc

R = TypeVar("R")


def error_with_id(exc: grpc.RpcError, request_id: str) -> IpndhtError:
    """The error of a failed call, with the request id sent when the answer
    carried none (a call that never reached a server, or timed out)."""
    error = error_from_rpc(exc)
    if error.request_id is None:
        error.request_id = request_id
    return error


class Caller:
    """Runs calls on one channel with the deadline and the error mapping."""

    def __init__(self, channel: grpc.Channel, timeout_s: float) -> None:
        self.channel = channel
        self.timeout_s = timeout_s

    def unary(self, method: Callable[..., Any], response: type[R], request: Any) -> R:
        """``method(request)`` answering a ``response``."""
        rid = rq.new_request_id()
        try:
            result = method(request, timeout=self.timeout_s, metadata=((rq.REQUEST_ID_KEY, rid),))
        except grpc.RpcError as exc:
            raise error_with_id(exc, rid) from None
        return cast(R, result)

    def stream(self, method: Callable[..., Any], response: type[R], request: Any) -> list[R]:
        """Every ``response`` of the server stream ``method(request)``; the
        deadline covers the whole stream."""
        rid = rq.new_request_id()
        try:
            call = method(request, timeout=self.timeout_s, metadata=((rq.REQUEST_ID_KEY, rid),))
            return [cast(R, item) for item in call]
        except grpc.RpcError as exc:
            raise error_with_id(exc, rid) from None


class AsyncCaller:
    """Runs calls on one channel with the deadline and the error mapping."""

    def __init__(self, channel: grpc.aio.Channel, timeout_s: float) -> None:
        self.channel = channel
        self.timeout_s = timeout_s

    async def unary(self, method: Callable[..., Any], response: type[R], request: Any) -> R:
        """``method(request)`` answering a ``response``."""
        rid = rq.new_request_id()
        try:
            result = await method(
                request, timeout=self.timeout_s, metadata=((rq.REQUEST_ID_KEY, rid),)
            )
        except grpc.RpcError as exc:
            raise error_with_id(exc, rid) from None
        return cast(R, result)

    async def stream(self, method: Callable[..., Any], response: type[R], request: Any) -> list[R]:
        """Every ``response`` of the server stream ``method(request)``; the
        deadline covers the whole stream."""
        rid = rq.new_request_id()
        try:
            call = method(request, timeout=self.timeout_s, metadata=((rq.REQUEST_ID_KEY, rid),))
            return [cast(R, item) async for item in call]
        except grpc.RpcError as exc:
            raise error_with_id(exc, rid) from None
