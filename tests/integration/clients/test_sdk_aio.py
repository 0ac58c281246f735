"""The asyncio SDK client against the whole system as real processes (one per module)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc
import pytest

from ipndht.v1 import discovery_pb2, handles_pb2
from ipndht_client import (
    Aborted,
    AlreadyExists,
    AsyncClient,
    InvalidArgument,
    NotFound,
    generate_key,
)
from ipndht_client import content as content_sdk
from ipndht_client.keys import public_key_bytes
from tests.support.redis import RedisProcess
from tests.support.sdk_system import endpoints_of, fresh_handle, running_system
from tests.support.system import System


@pytest.fixture(scope="module")
def system(
    tmp_path_factory: pytest.TempPathFactory, redis_session: RedisProcess
) -> Iterator[System]:
    with running_system(tmp_path_factory.mktemp("sdk-aio"), redis_session) as running:
        yield running


@pytest.fixture
async def client(system: System) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(endpoints_of(system), timeout_s=20) as sdk_client:
        yield sdk_client


async def test_health_of_every_service(client: AsyncClient) -> None:
    """await health() is SERVING for the three services."""
    states = await asyncio.gather(*(client.health(s) for s in ("discovery", "handles", "content")))
    assert states == ["SERVING"] * 3


async def test_handle_lifecycle(client: AsyncClient) -> None:
    """register, update, renew, history, transfer, release and register again, awaited."""
    owner, heir = generate_key(), generate_key()
    handle = fresh_handle("aio")
    assert (await client.handles.register(owner, handle, period_s=3600)).record.seq == 1
    await client.handles.update(owner, handle, addresses=["tcp://127.0.0.1:9"])
    await client.handles.renew(owner, handle)
    record = (await client.handles.resolve(handle)).record
    assert record.seq == 3
    assert list(handles_pb2.HandleRecord.FromString(record.value).addresses) == [
        "tcp://127.0.0.1:9"
    ]
    history = await client.handles.history(handle)
    assert [r.seq for r in history.records] == [1, 2, 3]
    await client.handles.transfer(owner, handle, public_key_bytes(heir))
    assert (await client.handles.resolve(handle)).public_key == public_key_bytes(heir)
    await client.handles.release(heir, handle)
    with pytest.raises(NotFound):
        await client.handles.resolve(handle)
    assert (await client.handles.register(heir, handle)).record.seq == 6
    batch = await client.handles.batch_resolve([handle])
    assert batch.results[0].result.public_key == public_key_bytes(heir)
    assert (await client.handles.registrar_info()).registration_period_s > 0


async def test_errors_map_to_their_classes(client: AsyncClient) -> None:
    """Bad handle, duplicate register and stale update raise InvalidArgument, AlreadyExists
    and Aborted (with the current seq), each with a request id."""
    with pytest.raises(InvalidArgument, match="rule: length") as bad:
        await client.handles.resolve("@ab.ipn")
    assert bad.value.request_id
    key = generate_key()
    handle = fresh_handle("aio")
    old = (await client.handles.register(key, handle)).record
    with pytest.raises(AlreadyExists) as taken:
        await client.handles.register(generate_key(), handle)
    assert taken.value.code is grpc.StatusCode.ALREADY_EXISTS
    await client.handles.update(key, handle, metadata={"a": "b"})
    with pytest.raises(Aborted) as stale:
        await client.handles.update(key, handle, metadata={"a": "c"}, current=old)
    assert stale.value.current_seq == 2


async def test_content_provide_find_list_iter_stop(client: AsyncClient, tmp_path: Path) -> None:
    """provide, provide_file, find_providers, list_content, iter_content and stop_providing."""
    key = generate_key()
    start_us = content_sdk.now_us()
    content = content_sdk.parse_content_hash("sha2-256:" + os.urandom(32).hex())
    await client.content.provide(key, content, size=7, addresses=["tcp://127.0.0.1:7"])
    path = tmp_path / "small.txt"
    path.write_bytes(b"hello ipndht")
    await client.content.provide_file(key, path, algorithm=content_sdk.SHA2_256)
    file_hash, size = content_sdk.hash_file(path, content_sdk.SHA2_256)
    (found,) = await client.content.find_providers(file_hash)
    assert found.provider.size_bytes == size and found.provider_key == public_key_bytes(key)
    entries, _ = await client.content.list_content(since_us=start_us)
    assert {e.content.digest for e in entries} >= {content.digest, file_hash.digest}
    paged = [e.content async for e in client.content.iter_content(since_us=start_us, page_size=1)]
    assert [c for c in paged if c in (content, file_hash)] == [content, file_hash]
    await client.content.stop_providing(key, content)
    assert await client.content.find_providers(content) == []


async def test_resources_announce_and_discover(client: AsyncClient) -> None:
    """announce_resource then discover_resources with a filter."""
    key = generate_key()
    kind = f"aio.{os.urandom(4).hex()}"
    await client.content.announce_resource(key, kind, "r1", attributes={"zone": "a"})
    (found,) = await client.content.discover_resources(kind, filters={"zone": "a"})
    assert found.resource.id == "r1"
    assert await client.content.discover_resources(kind, filters={"zone": "b"}) == []


async def test_discovery_calls_and_a_cancelled_watch(client: AsyncClient) -> None:
    """status, list_peers, get_peer, bootstrap_peers, bootstrap; watch_peers yields the
    current peers and stops when closed."""
    status = await client.discovery.status()
    assert status.min_peers_met
    peers = (await client.discovery.list_peers()).peers
    assert (await client.discovery.get_peer(peers[0].node_id)).peer.host == peers[0].host
    assert (await client.discovery.bootstrap_peers(limit=1)).peers
    assert (await client.discovery.bootstrap()).live_peers >= 2
    stream = client.discovery.watch_peers(include_current=True)
    first = await anext(stream)
    assert first.kind == discovery_pb2.PEER_EVENT_KIND_JOINED
    await stream.aclose()
