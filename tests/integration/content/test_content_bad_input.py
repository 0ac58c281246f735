"""Bad input per RPC: the right status code, a message for a person, and
nothing stored. Also resources: announce, discover, ownership."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import grpc
import pytest

from ipndht.v1 import common_pb2, content_pb2, content_pb2_grpc
from ipndht_client import content as sdk
from services.core.host import ServiceHost
from services.core.records import keys
from tests.support.content_service import content_host, content_stub, discover, find, list_page

Stub = content_pb2_grpc.ContentRoutingServiceStub
KEY = keys.generate_private_key()
GOOD = common_pb2.ContentHash(algorithm=common_pb2.HASH_ALGORITHM_SHA2_256, digest=b"\x01" * 32)


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[ServiceHost]:
    async with content_host(tmp_path) as host:
        yield host


def _provider(digest: bytes, algorithm: int) -> common_pb2.SignedRecord:
    record = sdk.provider_record(KEY, GOOD)
    # Rebuild the value with a bad content hash: the key follows it.
    payload = common_pb2.ProviderRecord(
        content=common_pb2.ContentHash(algorithm=algorithm, digest=digest)  # type: ignore[arg-type]
    )
    from services.core.records.signing import sign_record

    return sign_record(
        KEY,
        "provider",
        bytes([algorithm % 256]) + digest,
        payload.SerializeToString(),
        1,
        record.issued_at_us,
        record.expires_at_us,
    ).to_proto()


async def _stream(call: Any) -> list[Any]:
    return [item async for item in call]


Case = Callable[[Stub], Awaitable[object]]

CASES: dict[str, tuple[Case, grpc.StatusCode, str]] = {
    "provide without record": (
        lambda s: s.Provide(content_pb2.ProvideRequest()),
        grpc.StatusCode.INVALID_ARGUMENT,
        "record is required",
    ),
    "provide bad hash algorithm": (
        lambda s: s.Provide(content_pb2.ProvideRequest(record=_provider(b"\x02" * 32, 7))),
        grpc.StatusCode.INVALID_ARGUMENT,
        "algorithm",
    ),
    "provide bad digest length": (
        lambda s: s.Provide(content_pb2.ProvideRequest(record=_provider(b"\x02" * 20, 1))),
        grpc.StatusCode.INVALID_ARGUMENT,
        "digest",
    ),
    "provide issued an hour ago": (
        lambda s: s.Provide(
            content_pb2.ProvideRequest(
                record=sdk.provider_record(KEY, GOOD, issued_at_us=sdk.now_us() - 3600 * 10**6)
            )
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "current time",
    ),
    "provide a withdrawal": (
        lambda s: s.Provide(content_pb2.ProvideRequest(record=sdk.withdrawal(KEY, GOOD, seq=2))),
        grpc.StatusCode.INVALID_ARGUMENT,
        "StopProviding",
    ),
    "provide a resource record": (
        lambda s: s.Provide(
            content_pb2.ProvideRequest(record=sdk.resource_record(KEY, "svc", "a"))
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "namespace",
    ),
    "stop providing an announcement": (
        lambda s: s.StopProviding(
            content_pb2.StopProvidingRequest(record=sdk.provider_record(KEY, GOOD))
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "withdrawn=true",
    ),
    "find bad algorithm": (
        lambda s: _stream(
            s.FindProviders(
                content_pb2.FindProvidersRequest(
                    content=common_pb2.ContentHash(algorithm=0, digest=b"\x01" * 32)  # type: ignore[arg-type]
                )
            )
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "algorithm",
    ),
    "find short digest": (
        lambda s: _stream(
            s.FindProviders(
                content_pb2.FindProvidersRequest(
                    content=common_pb2.ContentHash(algorithm=2, digest=b"\x01" * 31)  # type: ignore[arg-type]
                )
            )
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "32 bytes",
    ),
    "find limit over 1000": (
        lambda s: _stream(
            s.FindProviders(content_pb2.FindProvidersRequest(content=GOOD, limit=1001))
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "limit",
    ),
    "list window reversed": (
        lambda s: list_page(s, since_us=2_000_000, until_us=1_000_000),
        grpc.StatusCode.INVALID_ARGUMENT,
        "reversed",
    ),
    "list limit over 1000": (
        lambda s: list_page(s, since_us=0, limit=5000),
        grpc.StatusCode.INVALID_ARGUMENT,
        "limit",
    ),
    "list bad page token": (
        lambda s: list_page(s, since_us=0, page_token="not-a-token"),
        grpc.StatusCode.INVALID_ARGUMENT,
        "page_token",
    ),
    "list bad order": (
        lambda s: list_page(s, since_us=0, order=9),
        grpc.StatusCode.INVALID_ARGUMENT,
        "order",
    ),
    "announce oversized data": (
        lambda s: s.AnnounceResource(
            content_pb2.AnnounceResourceRequest(
                record=sdk.resource_record(KEY, "svc", "big", data=b"x" * 4097)
            )
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "4096",
    ),
    "discover bad type": (
        lambda s: discover(s, "Bad Type"),
        grpc.StatusCode.INVALID_ARGUMENT,
        "type",
    ),
    "discover too many filters": (
        lambda s: discover(s, "svc", filters={f"k{i}": "v" for i in range(17)}),
        grpc.StatusCode.INVALID_ARGUMENT,
        "filters",
    ),
    "discover limit over 1000": (
        lambda s: discover(s, "svc", limit=1001),
        grpc.StatusCode.INVALID_ARGUMENT,
        "limit",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
async def test_bad_input_gets_its_code_and_stores_nothing(name: str, service: ServiceHost) -> None:
    """Each bad request gets its status and a readable message, and neither
    the DHT store nor the timeline changes."""
    call, code, words = CASES[name]
    assert service.dht is not None
    held_before = len(service.dht.storage)
    async with content_stub(service) as stub:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call(stub)
        assert err.value.code() == code, err.value.details()
        assert words in (err.value.details() or ""), err.value.details()
        assert len(service.dht.storage) == held_before
        entries, _ = await list_page(stub, since_us=0)
        assert entries == []


async def test_page_token_is_bound_to_its_window(service: ServiceHost) -> None:
    """A token used with another window is INVALID_ARGUMENT."""
    async with content_stub(service) as stub:
        for _ in range(3):
            content = common_pb2.ContentHash(algorithm=2, digest=os.urandom(32))  # type: ignore[arg-type]
            await stub.Provide(content_pb2.ProvideRequest(record=sdk.provider_record(KEY, content)))
        _, token = await list_page(stub, since_us=1, limit=1)
        assert token
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await list_page(stub, since_us=2, limit=1, page_token=token)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_resources_are_announced_discovered_filtered_and_owned(
    service: ServiceHost,
) -> None:
    """Announced resources are discovered by type and attribute filters,
    newest first; another announcer's id is PERMISSION_DENIED; a stale seq
    ABORTED."""
    alice, bob = keys.generate_private_key(), keys.generate_private_key()
    base = sdk.now_us()
    async with content_stub(service) as stub:
        for i, (id_, region) in enumerate((("n1", "eu"), ("n2", "us"), ("n3", "eu"))):
            record = sdk.resource_record(
                alice, "relay", id_, b"data", {"region": region}, issued_at_us=base + i
            )
            reply = await stub.AnnounceResource(content_pb2.AnnounceResourceRequest(record=record))
            assert len(reply.hash_timer.hex) == 64
        every = await discover(stub, "relay")
        eu = await discover(stub, "relay", filters={"region": "eu"})
        one = await discover(stub, "relay", limit=1)
        assert [r.resource.id for r in every] == ["n3", "n2", "n1"]
        assert [r.resource.id for r in eu] == ["n3", "n1"]
        assert [r.resource.id for r in one] == ["n3"]
        assert await discover(stub, "other") == []
        with pytest.raises(grpc.aio.AioRpcError) as denied:
            await stub.AnnounceResource(
                content_pb2.AnnounceResourceRequest(record=sdk.resource_record(bob, "relay", "n1"))
            )
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
        update = sdk.resource_record(alice, "relay", "n1", b"v2", {"region": "us"}, seq=2)
        await stub.AnnounceResource(content_pb2.AnnounceResourceRequest(record=update))
        with pytest.raises(grpc.aio.AioRpcError) as stale:
            await stub.AnnounceResource(
                content_pb2.AnnounceResourceRequest(
                    record=sdk.resource_record(alice, "relay", "n1", seq=1)
                )
            )
        assert stale.value.code() == grpc.StatusCode.ABORTED
        us = await discover(stub, "relay", filters={"region": "us"})
        assert sorted(r.resource.id for r in us) == ["n1", "n2"]
        assert await find(stub, GOOD) == []


@pytest.mark.parametrize("seq", [2**63, 2**64 - 1])
async def test_provide_withdraw_and_announce_accept_a_seq_up_to_u64_max(
    service: ServiceHost, seq: int
) -> None:
    """seq is a uint64: a record with seq 2**63 or above is accepted (not
    INTERNAL), found with that seq, and a lower seq after it is ABORTED."""
    owner = keys.generate_private_key()
    content = common_pb2.ContentHash(algorithm=2, digest=os.urandom(32))  # type: ignore[arg-type]
    async with content_stub(service) as stub:
        await stub.Provide(
            content_pb2.ProvideRequest(record=sdk.provider_record(owner, content, seq=seq - 1))
        )
        await stub.StopProviding(
            content_pb2.StopProvidingRequest(record=sdk.withdrawal(owner, content, seq=seq))
        )
        assert await find(stub, content) == []
        announced = sdk.resource_record(owner, "relay", f"big{seq}", seq=seq)
        await stub.AnnounceResource(content_pb2.AnnounceResourceRequest(record=announced))
        [found] = await discover(stub, "relay")
        assert found.record.seq == seq
        with pytest.raises(grpc.aio.AioRpcError) as stale:
            await stub.AnnounceResource(
                content_pb2.AnnounceResourceRequest(
                    record=sdk.resource_record(owner, "relay", f"big{seq}", seq=5)
                )
            )
        assert stale.value.code() == grpc.StatusCode.ABORTED


async def test_discover_with_a_huge_type_is_invalid_argument(service: ServiceHost) -> None:
    """A 100 000-character resource type is INVALID_ARGUMENT with a short
    message, not a status lost to an oversized error header."""
    async with content_stub(service) as stub:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await discover(stub, "a" * 100_000)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, err.value.details()
    assert "resource type" in (err.value.details() or "")
