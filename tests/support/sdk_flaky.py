"""A tiny handle-registry gRPC server that answers UNAVAILABLE to its first
``failures`` calls and counts every attempt, to watch the SDK's retries."""

from __future__ import annotations

import threading
from concurrent import futures
from types import TracebackType
from typing import Any

import grpc

from ipndht.v1 import handles_pb2
from tests.support.net import free_tcp_port

SERVICE = "ipndht.v1.HandleRegistryService"
#: Worker threads: the tests make one call at a time.
WORKERS = 2


class _Servicer:
    """Resolve only; the other methods are not served."""

    def __init__(self, failures: int, hold: bool) -> None:
        self.failures = failures
        self.hold = hold
        #: Set on shutdown: a held call returns then.
        self.released = threading.Event()
        self.attempts = 0
        self.request_ids: list[str] = []
        self._lock = threading.Lock()

    def resolve(self, request: handles_pb2.ResolveRequest, context: Any) -> Any:
        with self._lock:
            self.attempts += 1
            attempt = self.attempts
        metadata = dict(context.invocation_metadata())
        self.request_ids.append(str(metadata.get("x-request-id", "")))
        if self.hold:
            self.released.wait()
        if attempt <= self.failures:
            context.abort(grpc.StatusCode.UNAVAILABLE, f"warming up (attempt {attempt})")
        return handles_pb2.ResolveResponse(
            kind=handles_pb2.QUERY_KIND_PUBLIC_KEY, public_key=b"\x01" * 32
        )


class FlakyRegistry:
    """``with FlakyRegistry(failures=2) as server:`` then ``server.endpoint``
    and ``server.attempts``. With ``hold`` every call waits until the server
    stops (a service that never answers)."""

    def __init__(self, failures: int = 0, *, hold: bool = False) -> None:
        self.servicer = _Servicer(failures, hold)
        self.port = free_tcp_port()
        self.endpoint = f"127.0.0.1:{self.port}"
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=WORKERS))
        resolve = grpc.unary_unary_rpc_method_handler(
            self.servicer.resolve,
            request_deserializer=handles_pb2.ResolveRequest.FromString,
            response_serializer=handles_pb2.ResolveResponse.SerializeToString,
        )
        self._server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(SERVICE, {"Resolve": resolve}),)
        )
        self._server.add_insecure_port(self.endpoint)

    @property
    def attempts(self) -> int:
        return self.servicer.attempts

    def __enter__(self) -> FlakyRegistry:
        self._server.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.servicer.released.set()
        self._server.stop(grace=None).wait()
