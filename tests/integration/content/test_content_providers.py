"""Provide, StopProviding and FindProviders on one content service with real
gRPC, a real DHT node, a real Redis and a handle-registry stub."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from ipndht.v1 import common_pb2, content_pb2, content_pb2_grpc
from ipndht_client import content as sdk
from services.core.host import ServiceHost
from services.core.records import keys
from services.core.records.model import Record
from tests.support.content_handles_stub import HandlesStub
from tests.support.content_service import content_host, content_stub, find, list_all
from tests.support.net import free_tcp_port
from tests.support.redis import RedisProcess

Stub = content_pb2_grpc.ContentRoutingServiceStub


def blake(seed: bytes) -> common_pb2.ContentHash:
    return common_pb2.ContentHash(
        algorithm=common_pb2.HASH_ALGORITHM_BLAKE3,
        digest=os.urandom(32) if not seed else (seed * 32)[:32],
    )


@pytest.fixture
async def handles() -> AsyncIterator[HandlesStub]:
    stub = HandlesStub({})
    await stub.start()
    try:
        yield stub
    finally:
        await stub.stop()


@pytest.fixture
async def service(
    tmp_path: Path, handles: HandlesStub, redis_flushed: RedisProcess
) -> AsyncIterator[ServiceHost]:
    async with content_host(
        tmp_path, redis_url=redis_flushed.url, handles_addr=handles.address
    ) as host:
        yield host


async def test_provided_content_is_found_with_its_hash_timer(service: ServiceHost) -> None:
    """Provide answers the HashTimer derived from the record; FindProviders
    streams that provider with its decoded record."""
    key = keys.generate_private_key()
    content = blake(b"a")
    async with content_stub(service) as stub:
        reply = await stub.Provide(
            content_pb2.ProvideRequest(record=sdk.provider_record(key, content, ["tcp://x:1"]))
        )
        found = await find(stub, content)
    assert len(reply.hash_timer.hex) == 64
    assert [f.provider_key for f in found] == [keys.public_key_bytes(key)]
    assert found[0].provider.hash_timer.hex == reply.hash_timer.hex
    assert list(found[0].provider.addresses) == ["tcp://x:1"]


async def test_providers_are_newest_first_one_per_key_and_limited(service: ServiceHost) -> None:
    """Several providers come newest first, a re-announcement replaces the
    older one of the same key, and limit bounds the stream."""
    content = blake(b"b")
    signers = [keys.generate_private_key() for _ in range(3)]
    base = sdk.now_us()
    async with content_stub(service) as stub:
        for i, key in enumerate(signers):
            record = sdk.provider_record(key, content, seq=1, issued_at_us=base + i)
            await stub.Provide(content_pb2.ProvideRequest(record=record))
        again = sdk.provider_record(signers[0], content, seq=2, issued_at_us=base + 10)
        await stub.Provide(content_pb2.ProvideRequest(record=again))
        found = await find(stub, content)
        two = await find(stub, content, limit=2)
    order = [keys.public_key_bytes(k) for k in (signers[0], signers[2], signers[1])]
    assert [f.provider_key for f in found] == order
    assert [f.provider_key for f in two] == order[:2]


async def test_stop_providing_withdraws_and_stale_seq_is_aborted(service: ServiceHost) -> None:
    """A withdrawal with a higher seq hides the provider; a lower seq is
    ABORTED; withdrawing what was never provided is NOT_FOUND."""
    key = keys.generate_private_key()
    content = blake(b"c")
    async with content_stub(service) as stub:
        await stub.Provide(
            content_pb2.ProvideRequest(record=sdk.provider_record(key, content, seq=5))
        )
        with pytest.raises(grpc.aio.AioRpcError) as stale:
            await stub.Provide(
                content_pb2.ProvideRequest(record=sdk.provider_record(key, content, seq=4))
            )
        assert stale.value.code() == grpc.StatusCode.ABORTED
        with pytest.raises(grpc.aio.AioRpcError) as stale_stop:
            await stub.StopProviding(
                content_pb2.StopProvidingRequest(record=sdk.withdrawal(key, content, seq=5))
            )
        assert stale_stop.value.code() == grpc.StatusCode.ABORTED
        await stub.StopProviding(
            content_pb2.StopProvidingRequest(record=sdk.withdrawal(key, content, seq=6))
        )
        assert await find(stub, content) == []
        with pytest.raises(grpc.aio.AioRpcError) as missing:
            await stub.StopProviding(
                content_pb2.StopProvidingRequest(record=sdk.withdrawal(key, blake(b"never"), seq=1))
            )
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND


async def test_forged_records_are_refused(service: ServiceHost) -> None:
    """A bad signature, or another key named as the signer, is
    INVALID_ARGUMENT and nothing is stored."""
    key, other = keys.generate_private_key(), keys.generate_private_key()
    content = blake(b"d")
    good = sdk.provider_record(key, content)
    bad_sig = common_pb2.SignedRecord()
    bad_sig.CopyFrom(good)
    bad_sig.signature = bytes(64)
    stolen = common_pb2.SignedRecord()
    stolen.CopyFrom(good)
    stolen.signer = keys.public_key_bytes(other)
    async with content_stub(service) as stub:
        for forged in (bad_sig, stolen):
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await stub.Provide(content_pb2.ProvideRequest(record=forged))
            assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "signature" in (err.value.details() or "")
        assert await find(stub, content) == []


async def test_forged_record_planted_in_redis_is_not_served(
    service: ServiceHost, redis_flushed: RedisProcess
) -> None:
    """Records read back from Redis are verified again: a forged record
    written straight into the cache entry is dropped."""
    import redis.asyncio as aioredis

    from services.content.index_records import encode_items

    key = keys.generate_private_key()
    content = blake(b"e")
    good = Record.from_proto(sdk.provider_record(key, content))
    forged = Record.from_proto(sdk.provider_record(keys.generate_private_key(), content))
    forged = Record(**{**{f: getattr(forged, f) for f in forged.__slots__}, "signature": bytes(64)})
    client = aioredis.Redis.from_url(redis_flushed.url)
    try:
        async with content_stub(service) as stub:
            await stub.Provide(content_pb2.ProvideRequest(record=good.to_proto()))
            name = f"ipndht:providers:{sdk.content_key(content).hex()}"
            await client.set(name, encode_items([forged.encode(), good.encode()]))
            found = await find(stub, content)
    finally:
        await client.aclose()
    assert [f.provider_key for f in found] == [good.signer]


async def test_expired_records_are_never_returned(service: ServiceHost) -> None:
    """A provider record past its expiry is not returned, from the cache or
    the DHT."""
    key = keys.generate_private_key()
    content = blake(b"f")
    issued = sdk.now_us()
    record = sdk.provider_record(key, content, issued_at_us=issued, ttl_s=1)
    async with content_stub(service) as stub:
        await stub.Provide(content_pb2.ProvideRequest(record=record))
        assert len(await find(stub, content)) == 1
        await asyncio.sleep(max(0.0, (issued + 1_100_000 - sdk.now_us()) / 1e6))
        assert await find(stub, content) == []


async def test_handle_providers_resolve_through_the_registry(
    service: ServiceHost, handles: HandlesStub
) -> None:
    """A handle resolving to the signer is accepted; to another key
    PERMISSION_DENIED; an unknown handle NOT_FOUND."""
    key, other = keys.generate_private_key(), keys.generate_private_key()
    handles.table["@alice.ipn"] = keys.public_key_bytes(key)
    handles.table["@bob.ipn"] = keys.public_key_bytes(other)
    async with content_stub(service) as stub:
        ok = sdk.provider_record(key, blake(b"g"), handle="@alice.ipn")
        await stub.Provide(content_pb2.ProvideRequest(record=ok))
        found = await find(stub, blake(b"g"))
        assert found[0].provider.handle == "@alice.ipn"
        for handle, code in (
            ("@bob.ipn", grpc.StatusCode.PERMISSION_DENIED),
            ("@carol.ipn", grpc.StatusCode.NOT_FOUND),
        ):
            record = sdk.provider_record(key, blake(b"h"), handle=handle)
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await stub.Provide(content_pb2.ProvideRequest(record=record))
            assert err.value.code() == code
        assert await find(stub, blake(b"h")) == []


async def test_unreachable_registry_gives_unavailable(tmp_path: Path) -> None:
    """With the handle registry down, a Provide naming a handle is
    UNAVAILABLE with a message naming the registry."""
    address = f"127.0.0.1:{free_tcp_port()}"
    async with content_host(tmp_path, handles_addr=address) as host, content_stub(host) as stub:
        record = sdk.provider_record(keys.generate_private_key(), blake(b"i"), handle="@alice.ipn")
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.Provide(content_pb2.ProvideRequest(record=record))
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "handle registry" in (err.value.details() or "")


async def test_sdk_hashes_files_in_a_streaming_way(tmp_path: Path, service: ServiceHost) -> None:
    """provide_file hashes a file with sha2-256 or blake3 and its
    announcement is found under that hash."""
    import hashlib

    import blake3

    data = os.urandom(3 * sdk.CHUNK_BYTES + 17)
    path = tmp_path / "blob"
    path.write_bytes(data)
    key = keys.generate_private_key()
    async with content_stub(service) as stub:
        for algorithm, digest in (
            (sdk.SHA2_256, hashlib.sha256(data).digest()),
            (sdk.BLAKE3, blake3.blake3(data).digest()),
        ):
            request = sdk.provide_file(key, path, ["tcp://h:1"], algorithm=algorithm)
            await stub.Provide(request)
            content = common_pb2.ContentHash(algorithm=algorithm, digest=digest)
            found = await find(stub, content)
            assert found[0].provider.size_bytes == len(data)


async def test_refused_provide_leaves_no_timeline_entry(service: ServiceHost) -> None:
    """A Provide refused because the node already holds a newer record of that
    provider (stored by another service) answers ABORTED and lists nothing."""
    assert service.dht is not None
    key = keys.generate_private_key()
    content = blake(b"r")
    newer = sdk.provider_record(key, content, seq=9)
    await service.dht.add_provider(newer.SerializeToString())
    stale = sdk.provider_record(key, content, seq=4)
    async with content_stub(service) as stub:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.Provide(content_pb2.ProvideRequest(record=stale))
        assert refused.value.code() == grpc.StatusCode.ABORTED
        listed = await list_all(stub, since_us=stale.issued_at_us - 60_000_000)
    assert all(e.provider_key != keys.public_key_bytes(key) for e in listed)
