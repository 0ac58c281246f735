"""The error contract: every domain error maps to one status, through a real server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from services.core import errors
from services.core.host import DISCOVERY, ServiceHost
from services.core.interceptors import STATUS_BY_ERROR, status_for
from tests.support.probe import add_probe, probe_call
from tests.support.services import make_settings, start_host

#: Every domain error class and the status it must reach the client as.
CONTRACT: list[tuple[str, grpc.StatusCode]] = [
    ("InvalidArgument", grpc.StatusCode.INVALID_ARGUMENT),
    ("InvalidRecord", grpc.StatusCode.INVALID_ARGUMENT),
    ("RecordTooLarge", grpc.StatusCode.INVALID_ARGUMENT),
    ("InvalidHandle", grpc.StatusCode.INVALID_ARGUMENT),
    ("NotFound", grpc.StatusCode.NOT_FOUND),
    ("AlreadyExists", grpc.StatusCode.ALREADY_EXISTS),
    ("PermissionDenied", grpc.StatusCode.PERMISSION_DENIED),
    ("FailedPrecondition", grpc.StatusCode.FAILED_PRECONDITION),
    ("SeqConflict", grpc.StatusCode.ABORTED),
    ("ResourceExhausted", grpc.StatusCode.RESOURCE_EXHAUSTED),
    ("StoreFull", grpc.StatusCode.RESOURCE_EXHAUSTED),
    ("Unavailable", grpc.StatusCode.UNAVAILABLE),
    ("NotEnoughPeers", grpc.StatusCode.UNAVAILABLE),
    ("ShuttingDown", grpc.StatusCode.UNAVAILABLE),
    ("DeadlineExceeded", grpc.StatusCode.DEADLINE_EXCEEDED),
    ("Unimplemented", grpc.StatusCode.UNIMPLEMENTED),
    ("notimpl", grpc.StatusCode.UNIMPLEMENTED),
    ("boom", grpc.StatusCode.INTERNAL),
]


def test_contract_covers_every_domain_error() -> None:
    """No domain error class is left out of the table (so none becomes INTERNAL)."""
    classes = {
        obj
        for obj in vars(errors).values()
        if isinstance(obj, type)
        and issubclass(obj, errors.IpndhtError)
        and obj is not errors.IpndhtError
    }
    tested = {name for name, _ in CONTRACT}
    assert {cls.__name__ for cls in classes} <= tested
    for cls in classes:
        assert any(issubclass(cls, mapped) for mapped in STATUS_BY_ERROR), cls


def test_unmapped_error_is_internal() -> None:
    assert status_for(errors.IpndhtError("x")) is grpc.StatusCode.INTERNAL


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[ServiceHost]:
    async def build(h: ServiceHost) -> None:
        add_probe(h)

    h = await start_host(make_settings(tmp_path, default_deadline_s=0.3), DISCOVERY, build)
    try:
        yield h
    finally:
        await h.stop(grace_s=0)


@pytest.mark.parametrize(("name", "code"), CONTRACT)
async def test_domain_error_reaches_client_as_its_status(
    host: ServiceHost, name: str, code: grpc.StatusCode
) -> None:
    """Each error gives its status, a readable message and a request id; never a traceback."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel:
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await probe_call(channel, "Raise")(name.encode(), timeout=5)
    error = info.value
    assert error.code() == code
    details = error.details() or ""
    assert "Traceback" not in details
    trailing = dict(error.trailing_metadata() or ())
    assert trailing.get("x-request-id")
    if code == grpc.StatusCode.INTERNAL:
        assert "secret internal detail" not in details
        assert trailing["x-request-id"] in details
    elif name == "SeqConflict":
        assert trailing.get("x-current-seq") == "2"
    elif name == "NotEnoughPeers":
        assert "1 live, 2 needed" in details
    elif name != "notimpl":
        assert f"{name} happened" in details


async def test_server_side_deadline_gives_deadline_exceeded(host: ServiceHost) -> None:
    """Work longer than the server's default deadline ends with DEADLINE_EXCEEDED."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel:
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await probe_call(channel, "Sleep")(b"2000", timeout=5)
    assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED


async def test_client_request_id_is_kept(host: ServiceHost) -> None:
    """A request id sent by the client comes back on errors unchanged."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel:
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await probe_call(channel, "Raise")(
                b"NotFound", timeout=5, metadata=(("x-request-id", "abc-123"),)
            )
    assert dict(info.value.trailing_metadata() or ())["x-request-id"] == "abc-123"


@pytest.mark.parametrize("text", ["x" * 20_000, "\u00e9\u4e2d" * 5_000, "\x00" * 10_000])
async def test_error_quoting_a_huge_input_still_reaches_client_as_its_status(
    host: ServiceHost, text: str
) -> None:
    """A domain error whose message quotes a huge client value keeps its
    status: the message is cut to a bounded size (in bytes, as gRPC sends it
    percent-encoded in a header), instead of overflowing the client's header
    limit and arriving as RESOURCE_EXHAUSTED or INTERNAL."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel:
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await probe_call(channel, "Raise")(f"echo:{text}".encode(), timeout=5)
    error = info.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    details = error.details() or ""
    assert details.startswith("bad value ")
    assert len(details.encode()) <= 2048
    assert dict(error.trailing_metadata() or ()).get("x-request-id")
