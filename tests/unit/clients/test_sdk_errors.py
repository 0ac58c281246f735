"""error_from_rpc: one IpndhtError subclass per status, with message, request id and seq."""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from ipndht_client import errors


class FakeRpcError(grpc.RpcError):  # type: ignore[misc]
    """A failed call as grpc reports it: code, details, trailing metadata."""

    def __init__(self, code: Any, details: Any, trailing: Any = ()) -> None:
        super().__init__()
        self._code, self._details, self._trailing = code, details, trailing

    def code(self) -> Any:
        return self._code

    def details(self) -> Any:
        return self._details

    def trailing_metadata(self) -> Any:
        return self._trailing


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (grpc.StatusCode.INVALID_ARGUMENT, errors.InvalidArgument),
        (grpc.StatusCode.NOT_FOUND, errors.NotFound),
        (grpc.StatusCode.ALREADY_EXISTS, errors.AlreadyExists),
        (grpc.StatusCode.PERMISSION_DENIED, errors.PermissionDenied),
        (grpc.StatusCode.FAILED_PRECONDITION, errors.FailedPrecondition),
        (grpc.StatusCode.ABORTED, errors.Aborted),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, errors.ResourceExhausted),
        (grpc.StatusCode.UNAVAILABLE, errors.Unavailable),
        (grpc.StatusCode.DEADLINE_EXCEEDED, errors.DeadlineExceeded),
        (grpc.StatusCode.INTERNAL, errors.Internal),
        (grpc.StatusCode.UNKNOWN, errors.Internal),
        (grpc.StatusCode.DATA_LOSS, errors.Internal),
        (grpc.StatusCode.UNIMPLEMENTED, errors.Internal),
        (grpc.StatusCode.CANCELLED, errors.Internal),
    ],
)
def test_each_status_maps_to_its_class(
    code: grpc.StatusCode, cls: type[errors.IpndhtError]
) -> None:
    """Each status gets its own subclass (Internal for the rest), keeping the real code."""
    error = errors.error_from_rpc(FakeRpcError(code, "what went wrong"))
    assert type(error) is cls
    assert isinstance(error, errors.IpndhtError)
    assert error.code is code
    assert error.message == "what went wrong"
    assert str(error) == f"{code.name}: what went wrong"


def test_request_id_and_current_seq_come_from_trailing_metadata() -> None:
    """x-request-id and x-current-seq (ABORTED) are read from the trailing metadata."""
    trailing = (("x-request-id", "00ff00ff00ff00ff"), ("x-current-seq", "7"))
    error = errors.error_from_rpc(
        FakeRpcError(grpc.StatusCode.ABORTED, "seq 3 is stale; current is 7", trailing)
    )
    assert isinstance(error, errors.Aborted)
    assert error.request_id == "00ff00ff00ff00ff"
    assert error.current_seq == 7


def test_bytes_metadata_and_a_huge_seq_are_read() -> None:
    """Binary metadata values decode; a uint64 seq above 2**63 survives."""
    trailing = [("x-request-id", b"abc"), ("x-current-seq", str(2**64 - 1).encode())]
    error = errors.error_from_rpc(FakeRpcError(grpc.StatusCode.ABORTED, "stale", trailing))
    assert error.request_id == "abc"
    assert error.current_seq == 2**64 - 1


@pytest.mark.parametrize("seq", ["", "-1", "7x", "٣"])
def test_a_malformed_current_seq_is_left_out(seq: str) -> None:
    """A current seq that is not ASCII digits gives current_seq None, not a crash."""
    error = errors.error_from_rpc(
        FakeRpcError(grpc.StatusCode.ABORTED, "stale", [("x-current-seq", seq)])
    )
    assert error.current_seq is None


def test_missing_details_metadata_and_code_still_give_an_error() -> None:
    """No details, no trailing metadata, no code: a readable Internal error."""
    error = errors.error_from_rpc(FakeRpcError(None, None, None))
    assert isinstance(error, errors.Internal)
    assert error.code is grpc.StatusCode.UNKNOWN
    assert error.message == "unknown"
    assert error.request_id is None and error.current_seq is None
    bare = errors.error_from_rpc(grpc.RpcError())
    assert isinstance(bare, errors.Internal)


def test_errors_made_locally_carry_their_class_code() -> None:
    """A subclass built by the SDK itself (client-side validation) has its status."""
    error = errors.InvalidArgument("bad peer address 'x': expected host:port")
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert str(error) == "INVALID_ARGUMENT: bad peer address 'x': expected host:port"


def test_key_file_error_is_not_an_rpc_error() -> None:
    """KeyFileError stands apart from IpndhtError: no status code is involved."""
    assert not issubclass(errors.KeyFileError, errors.IpndhtError)
