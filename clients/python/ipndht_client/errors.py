"""Errors the SDK raises: one class per gRPC status, plus key-file errors.

Every failed RPC reaches the caller as an ``IpndhtError`` subclass chosen by
its status code, carrying the server's message, the request id from the
trailing metadata (``x-request-id``) and, on ABORTED, the handle's or
record's current seq (``x-current-seq``). ``grpc.RpcError`` never escapes
the clients.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import grpc

#: Trailing metadata keys set by the services' interceptor
#: (services/core/interceptors.py).
REQUEST_ID_KEY = "x-request-id"
CURRENT_SEQ_KEY = "x-current-seq"


class IpndhtError(Exception):
    """A failed call: ``code`` (a ``grpc.StatusCode``), ``message`` (the
    server's), ``request_id`` and ``current_seq`` (ABORTED only) when known.
    ``str(error)`` is ``"CODE_NAME: message"``."""

    #: The status this class stands for; subclasses set their own.
    CODE: grpc.StatusCode = grpc.StatusCode.INTERNAL

    def __init__(
        self,
        message: str,
        *,
        code: grpc.StatusCode | None = None,
        request_id: str | None = None,
        current_seq: int | None = None,
    ) -> None:
        self.code: grpc.StatusCode = self.CODE if code is None else code
        self.message = message
        self.request_id = request_id
        self.current_seq = current_seq
        super().__init__(f"{self.code.name}: {message}")


class InvalidArgument(IpndhtError):
    """INVALID_ARGUMENT: the request is malformed or breaks a limit."""

    CODE = grpc.StatusCode.INVALID_ARGUMENT


class NotFound(IpndhtError):
    """NOT_FOUND: the handle, provider or peer does not exist."""

    CODE = grpc.StatusCode.NOT_FOUND


class AlreadyExists(IpndhtError):
    """ALREADY_EXISTS: the handle is held by someone."""

    CODE = grpc.StatusCode.ALREADY_EXISTS


class PermissionDenied(IpndhtError):
    """PERMISSION_DENIED: the key may not make this change."""

    CODE = grpc.StatusCode.PERMISSION_DENIED


class FailedPrecondition(IpndhtError):
    """FAILED_PRECONDITION: the system's state does not allow the request."""

    CODE = grpc.StatusCode.FAILED_PRECONDITION


class Aborted(IpndhtError):
    """ABORTED: a seq conflict; ``current_seq`` is the seq held now."""

    CODE = grpc.StatusCode.ABORTED


class ResourceExhausted(IpndhtError):
    """RESOURCE_EXHAUSTED: a quota or capacity is used up."""

    CODE = grpc.StatusCode.RESOURCE_EXHAUSTED


class Unavailable(IpndhtError):
    """UNAVAILABLE: the service cannot serve now (down, too few peers,
    shutting down); retrying later may succeed."""

    CODE = grpc.StatusCode.UNAVAILABLE


class DeadlineExceeded(IpndhtError):
    """DEADLINE_EXCEEDED: the call did not finish within its deadline."""

    CODE = grpc.StatusCode.DEADLINE_EXCEEDED


class Internal(IpndhtError):
    """INTERNAL, and every status without a class of its own (UNKNOWN,
    DATA_LOSS, UNIMPLEMENTED, CANCELLED, ...); ``code`` keeps the real one."""

    CODE = grpc.StatusCode.INTERNAL


_CLASS_BY_CODE: dict[grpc.StatusCode, type[IpndhtError]] = {
    cls.CODE: cls
    for cls in (
        InvalidArgument,
        NotFound,
        AlreadyExists,
        PermissionDenied,
        FailedPrecondition,
        Aborted,
        ResourceExhausted,
        Unavailable,
        DeadlineExceeded,
        Internal,
    )
}


class KeyFileError(Exception):
    """A key file is missing, unreadable, malformed, needs a passphrase or
    has a wrong one; the message names the file and what is wrong."""


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _metadata_value(metadata: Iterable[Any] | None, key: str) -> str | None:
    for item in metadata or ():
        name, value = item[0], item[1]
        if name == key:
            return _text(value)
    return None


def _parse_seq(text: str | None) -> int | None:
    if text is None or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def error_from_rpc(exc: grpc.RpcError) -> IpndhtError:
    """The ``IpndhtError`` subclass for a failed call (sync or asyncio)."""
    code_fn = getattr(exc, "code", None)
    code = code_fn() if callable(code_fn) else None
    if not isinstance(code, grpc.StatusCode):
        code = grpc.StatusCode.UNKNOWN
    details_fn = getattr(exc, "details", None)
    details = details_fn() if callable(details_fn) else None
    message = _text(details) if details else code.name.lower().replace("_", " ")
    trailing_fn = getattr(exc, "trailing_metadata", None)
    trailing = trailing_fn() if callable(trailing_fn) else None
    cls = _CLASS_BY_CODE.get(code, Internal)
    return cls(
        message,
        code=code,
        request_id=_metadata_value(trailing, REQUEST_ID_KEY),
        current_seq=_parse_seq(_metadata_value(trailing, CURRENT_SEQ_KEY)),
    )
