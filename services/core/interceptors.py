"""The server interceptor: request ids, metrics, deadlines and the one table
from domain error to gRPC status.

Every service installs exactly this interceptor. A domain error becomes its
status code with the error's own message; an unexpected exception becomes
INTERNAL with a request id, logged with its traceback and never sent to the
client.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import structlog

from services.core import constants as c
from services.core import errors as e
from services.core import metrics
from services.core.logging import get_logger

log = get_logger(__name__)

#: Domain error class to gRPC status (DESIGN.md "Error contract"). Looked up
#: along the exception's class hierarchy, so subclasses inherit their code.
STATUS_BY_ERROR: dict[type[e.IpndhtError], grpc.StatusCode] = {
    e.InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
    e.NotFound: grpc.StatusCode.NOT_FOUND,
    e.AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    e.PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
    e.FailedPrecondition: grpc.StatusCode.FAILED_PRECONDITION,
    e.SeqConflict: grpc.StatusCode.ABORTED,
    e.ResourceExhausted: grpc.StatusCode.RESOURCE_EXHAUSTED,
    e.Unavailable: grpc.StatusCode.UNAVAILABLE,
    e.DeadlineExceeded: grpc.StatusCode.DEADLINE_EXCEEDED,
    e.Unimplemented: grpc.StatusCode.UNIMPLEMENTED,
}


def status_for(error: e.IpndhtError) -> grpc.StatusCode:
    """The gRPC status of a domain error (INTERNAL for an unmapped class)."""
    for cls in type(error).__mro__:
        code = STATUS_BY_ERROR.get(cls)
        if code is not None:
            return code
    return grpc.StatusCode.INTERNAL


def bounded_message(message: str) -> str:
    """``message`` cut to ERROR_MESSAGE_MAX_BYTES of UTF-8 (see constants)."""
    raw = message.encode("utf-8", "replace")
    if len(raw) <= c.ERROR_MESSAGE_MAX_BYTES:
        return message
    cut = raw[: c.ERROR_MESSAGE_MAX_BYTES].decode("utf-8", "ignore")
    return f"{cut}... (message cut at {c.ERROR_MESSAGE_MAX_BYTES} bytes)"


def _new_request_id() -> str:
    return os.urandom(8).hex()


def _request_id(context: grpc.aio.ServicerContext) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == c.REQUEST_ID_METADATA:
            text = value if isinstance(value, str) else value.decode("ascii", "replace")
            if 0 < len(text) <= c.REQUEST_ID_MAX_LEN and text.isprintable():
                return text
            break
    return _new_request_id()


class _Outcome(Exception):
    """Carries the status chosen for a failed call to the metrics code."""


class ServerInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Wraps every handler of one service process."""

    def __init__(self, service: str, default_deadline_s: float, access_log: bool = False) -> None:
        self._service = service
        self._deadline = default_deadline_s
        self._access_log = access_log
        self._handlers: dict[str, grpc.RpcMethodHandler] = {}
        self._latency: dict[str, Any] = {}
        self._totals: dict[tuple[str, str], Any] = {}
        self._in_flight = metrics.RPC_IN_FLIGHT.labels(service)

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        method: str = handler_call_details.method
        cached = self._handlers.get(method)
        if cached is not None:
            return cached
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        wrapped = self._wrap(handler, method)
        self._handlers[method] = wrapped
        return wrapped

    # -- wrapping ------------------------------------------------------------------

    def _wrap(self, handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
        short = method.rsplit("/", 1)[-1]
        kwargs = {
            "request_deserializer": handler.request_deserializer,
            "response_serializer": handler.response_serializer,
        }
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._unary(handler.unary_unary, method, short), **kwargs
            )
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                self._unary(handler.stream_unary, method, short), **kwargs
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._streaming(handler.unary_stream, method, short), **kwargs
            )
        return grpc.stream_stream_rpc_method_handler(
            self._streaming(handler.stream_stream, method, short), **kwargs
        )

    def _unary(self, behavior: Any, method: str, short: str) -> Any:
        async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
            rid = _request_id(context)
            structlog.contextvars.bind_contextvars(request_id=rid, method=short)
            self._in_flight.inc()
            started = time.perf_counter()
            code = "OK"
            try:
                remaining = context.time_remaining()
                limit = self._deadline if remaining is None else min(remaining, self._deadline)
                async with asyncio.timeout(limit):
                    return await behavior(request, context)
            except BaseException as exc:
                code, abort = self._classify(exc, context, rid, method)
                if abort is None:
                    raise
                await context.abort(*abort)
            finally:
                self._in_flight.dec()
                self._observe(method, code, started)

        return call

    def _streaming(self, behavior: Any, method: str, short: str) -> Any:
        if inspect.isasyncgenfunction(behavior):

            async def stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
                rid = _request_id(context)
                structlog.contextvars.bind_contextvars(request_id=rid, method=short)
                started = time.perf_counter()
                code = "OK"
                try:
                    async for item in behavior(request, context):
                        yield item
                except BaseException as exc:
                    code, abort = self._classify(exc, context, rid, method)
                    if abort is None:
                        raise
                    await context.abort(*abort)
                finally:
                    self._observe(method, code, started)

            return stream

        async def writer(request: Any, context: grpc.aio.ServicerContext) -> None:
            rid = _request_id(context)
            structlog.contextvars.bind_contextvars(request_id=rid, method=short)
            started = time.perf_counter()
            code = "OK"
            try:
                await behavior(request, context)
            except BaseException as exc:
                code, abort = self._classify(exc, context, rid, method)
                if abort is None:
                    raise
                await context.abort(*abort)
            finally:
                self._observe(method, code, started)

        return writer

    def _classify(
        self, exc: BaseException, context: grpc.aio.ServicerContext, rid: str, method: str
    ) -> tuple[str, tuple[grpc.StatusCode, str, tuple[tuple[str, str], ...]] | None]:
        """The status name of a failed call and, unless the call already ended
        (cancelled, or aborted by the servicer), the abort to send."""
        if isinstance(exc, asyncio.CancelledError):
            return "CANCELLED", None
        if isinstance(exc, grpc.aio.AbortError):
            code = context.code()
            return (code.name if code is not None else "UNKNOWN"), None
        trailing: list[tuple[str, str]] = [(c.REQUEST_ID_METADATA, rid)]
        if isinstance(exc, e.IpndhtError):
            status = status_for(exc)
            message = bounded_message(exc.message)
            if isinstance(exc, e.SeqConflict):
                trailing.append(("x-current-seq", str(exc.current_seq)))
        elif isinstance(exc, TimeoutError):
            status = grpc.StatusCode.DEADLINE_EXCEEDED
            message = f"{method} did not finish within its deadline"
        elif isinstance(exc, NotImplementedError):
            status = grpc.StatusCode.UNIMPLEMENTED
            message = f"{method} is not implemented by this server yet"
        else:
            status = grpc.StatusCode.INTERNAL
            message = f"internal error (request id {rid})"
            log.error("rpc_failed", exc_info=exc, request_id=rid, method=method)
        return status.name, (status, message, tuple(trailing))

    def _observe(self, method: str, code: str, started: float) -> None:
        elapsed = time.perf_counter() - started
        latency = self._latency.get(method)
        if latency is None:
            latency = self._latency[method] = metrics.RPC_LATENCY.labels(self._service, method)
        latency.observe(elapsed)
        key = (method, code)
        total = self._totals.get(key)
        if total is None:
            total = self._totals[key] = metrics.RPC_TOTAL.labels(self._service, method, code)
        total.inc()
        if self._access_log:
            log.info("rpc", code=code, ms=round(elapsed * 1000, 3))
        structlog.contextvars.clear_contextvars()
