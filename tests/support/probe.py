"""A tiny test-only gRPC service (raw bytes in and out) for host tests.

``ipndht.test.Probe/Echo`` echoes; ``Sleep`` sleeps the number of
milliseconds given as ASCII digits; ``Block`` does the same without
yielding, stalling the whole event loop; ``Raise`` raises the domain error named
in the request (or ``boom`` for an unexpected exception, ``notimpl`` for
NotImplementedError, ``echo:<text>`` for an InvalidArgument quoting the
text); ``CacheGet`` reads key "probe" of kind "test"; ``Log`` logs one line.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import grpc
import structlog

from services.core import errors
from services.core.host import ServiceHost

SERVICE = "ipndht.test.Probe"


def make_error(name: str) -> BaseException:
    if name == "boom":
        return RuntimeError("secret internal detail")
    if name == "notimpl":
        return NotImplementedError("not yet")
    if name == "SeqConflict":
        return errors.SeqConflict("seq 3 expected, got 2", current_seq=2)
    if name == "NotEnoughPeers":
        return errors.NotEnoughPeers(have=1, need=2)
    if name.startswith("echo:"):
        return errors.InvalidArgument(f"bad value {name[5:]!r}")
    cls = getattr(errors, name)
    error: BaseException = cls(f"{name} happened")
    return error


def add_probe(host: ServiceHost) -> None:
    async def echo(request: bytes, context: Any) -> bytes:
        return request

    async def sleep(request: bytes, context: Any) -> bytes:
        await asyncio.sleep(int(request.decode()) / 1000)
        return b"slept"

    async def block(request: bytes, context: Any) -> bytes:
        time.sleep(int(request.decode()) / 1000)  # noqa: ASYNC251 - the stall is the point
        return b"blocked"

    async def raise_(request: bytes, context: Any) -> bytes:
        raise make_error(request.decode())

    async def cache_get(request: bytes, context: Any) -> bytes:
        value = await host.cache.get("test", "probe")
        return b"miss" if value is None else b"hit:" + value

    async def log_line(request: bytes, context: Any) -> bytes:
        structlog.get_logger().info("probe_logged", note=request.decode())
        return b"logged"

    handlers = {
        "Log": grpc.unary_unary_rpc_method_handler(log_line),
        "Echo": grpc.unary_unary_rpc_method_handler(echo),
        "Sleep": grpc.unary_unary_rpc_method_handler(sleep),
        "Block": grpc.unary_unary_rpc_method_handler(block),
        "Raise": grpc.unary_unary_rpc_method_handler(raise_),
        "CacheGet": grpc.unary_unary_rpc_method_handler(cache_get),
    }
    host.server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))


def probe_call(channel: grpc.aio.Channel, method: str) -> Any:
    return channel.unary_unary(f"/{SERVICE}/{method}")
