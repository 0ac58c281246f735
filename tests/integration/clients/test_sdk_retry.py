"""SDK retries: UNAVAILABLE is retried with backoff inside the deadline, by both clients."""

from __future__ import annotations

import pytest

from ipndht_client import AsyncClient, Client, DeadlineExceeded, Endpoints, Unavailable
from tests.support.net import free_tcp_port
from tests.support.sdk_flaky import FlakyRegistry

KEY_HEX = "01" * 32


def _endpoints(handles: str) -> Endpoints:
    return Endpoints(handles=handles, discovery=handles, content=handles)


def test_a_call_succeeds_after_unavailable_answers() -> None:
    """Two UNAVAILABLE answers then success: resolve returns after three attempts."""
    with FlakyRegistry(failures=2) as server, Client(_endpoints(server.endpoint)) as client:
        answer = client.handles.resolve(KEY_HEX)
        assert answer.public_key == b"\x01" * 32
        assert server.attempts == 3
        ids = server.servicer.request_ids
        assert len(set(ids)) == 1 and len(ids[0]) == 16


def test_retries_stop_at_max_attempts_with_the_servers_message() -> None:
    """Always UNAVAILABLE: exactly max_attempts attempts, then Unavailable with the message."""
    with (
        FlakyRegistry(failures=100) as server,
        Client(_endpoints(server.endpoint), max_attempts=3) as client,
    ):
        with pytest.raises(Unavailable) as info:
            client.handles.resolve(KEY_HEX)
        assert server.attempts == 3
        assert info.value.message == "warming up (attempt 3)"
        assert info.value.request_id == server.servicer.request_ids[0]


def test_one_attempt_means_no_retry() -> None:
    """max_attempts=1 sends the call once."""
    with (
        FlakyRegistry(failures=1) as server,
        Client(_endpoints(server.endpoint), max_attempts=1) as client,
    ):
        with pytest.raises(Unavailable):
            client.handles.resolve(KEY_HEX)
        assert server.attempts == 1


def test_a_service_that_is_down_is_unavailable_before_the_deadline() -> None:
    """Nothing listening: Unavailable once the retries are spent, not DeadlineExceeded."""
    endpoint = f"127.0.0.1:{free_tcp_port()}"
    with Client(_endpoints(endpoint), timeout_s=30) as client:
        with pytest.raises(Unavailable) as info:
            client.handles.resolve(KEY_HEX)
        assert info.value.request_id is not None
        with pytest.raises(Unavailable):
            client.health("handles")


async def test_the_async_client_retries_too() -> None:
    """AsyncClient: two UNAVAILABLE answers then success after three attempts."""
    with FlakyRegistry(failures=2) as server:
        async with AsyncClient(_endpoints(server.endpoint)) as client:
            answer = await client.handles.resolve(KEY_HEX)
        assert answer.public_key == b"\x01" * 32
        assert server.attempts == 3


def test_a_call_that_gets_no_answer_ends_at_its_deadline() -> None:
    """A service that never answers: DeadlineExceeded carrying the request id sent."""
    with (
        FlakyRegistry(hold=True) as server,
        Client(_endpoints(server.endpoint), timeout_s=0.5) as client,
    ):
        with pytest.raises(DeadlineExceeded) as info:
            client.handles.resolve(KEY_HEX)
        assert info.value.request_id == server.servicer.request_ids[0]
        assert server.attempts == 1


async def test_the_async_client_reports_a_down_service_as_unavailable() -> None:
    """AsyncClient against nothing listening: Unavailable, as the sync client."""
    endpoint = f"127.0.0.1:{free_tcp_port()}"
    async with AsyncClient(_endpoints(endpoint), max_attempts=2) as client:
        with pytest.raises(Unavailable):
            await client.handles.resolve(KEY_HEX)
        with pytest.raises(Unavailable):
            await client.health("content")
