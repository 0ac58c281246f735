"""The sync SDK client against the whole system as real processes (one per module)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from ipndht.v1 import content_pb2, discovery_pb2, handles_pb2
from ipndht_client import (
    Aborted,
    AlreadyExists,
    Client,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    generate_key,
)
from ipndht_client import content as content_sdk
from ipndht_client.keys import public_key_bytes
from tests.support.redis import RedisProcess
from tests.support.sdk_system import endpoints_of, fresh_handle, running_system
from tests.support.system import System

#: A file a little over two hashing chunks, so progress is reported several times.
FILE_BYTES = 2 * content_sdk.CHUNK_BYTES + 12345


@pytest.fixture(scope="module")
def system(
    tmp_path_factory: pytest.TempPathFactory, redis_session: RedisProcess
) -> Iterator[System]:
    with running_system(tmp_path_factory.mktemp("sdk-sync"), redis_session) as running:
        yield running


@pytest.fixture
def client(system: System) -> Iterator[Client]:
    with Client(endpoints_of(system), timeout_s=20) as sdk_client:
        yield sdk_client


def test_every_service_reports_serving(client: Client) -> None:
    """health() is SERVING for discovery, handles and content."""
    assert [client.health(s) for s in ("discovery", "handles", "content")] == ["SERVING"] * 3


def test_handle_lifecycle_register_update_renew_transfer_release(client: Client) -> None:
    """register, resolve, update (unset fields kept), renew, history, transfer, release,
    and register again with the next seq found by the SDK."""
    owner, heir = generate_key(), generate_key()
    handle = fresh_handle()
    registered = client.handles.register(
        owner,
        handle.upper().replace("@SDK", "@Sdk"),
        addresses=["tcp://127.0.0.1:4001"],
        period_s=3600,
    )
    assert registered.record.seq == 1 and registered.record.countersignatures
    answer = client.handles.resolve(handle)
    assert answer.public_key == public_key_bytes(owner) and answer.handle == handle

    updated = client.handles.update(owner, handle, metadata={"display": "Sdk"})
    assert updated.record.seq == 2
    payload = handles_pb2.HandleRecord.FromString(client.handles.resolve(handle).record.value)
    assert dict(payload.metadata) == {"display": "Sdk"}
    assert list(payload.addresses) == ["tcp://127.0.0.1:4001"]

    renewed = client.handles.renew(owner, handle)
    assert renewed.record.seq == 3
    history = client.handles.history(handle)
    assert [r.seq for r in history.records] == [1, 2, 3]
    first_page = client.handles.history(handle, page_size=2)
    assert len(first_page.records) == 2 and first_page.next_page_token

    transferred = client.handles.transfer(owner, handle, public_key_bytes(heir))
    assert transferred.record.seq == 4
    assert client.handles.resolve(handle).public_key == public_key_bytes(heir)
    # The old owner is refused: it no longer owns the handle.
    with pytest.raises(PermissionDenied, match="owner"):
        client.handles.update(owner, handle, alias="")

    released = client.handles.release(heir, handle)
    assert released.record.seq == 5
    with pytest.raises(NotFound):
        client.handles.resolve(handle)
    again = client.handles.register(owner, handle)
    assert again.record.seq == 6


def test_batch_resolve_and_registrar_info(client: Client, system: System) -> None:
    """batch_resolve gives a status per query; registrar_info names the system's registrar."""
    key = generate_key()
    handle = fresh_handle()
    client.handles.register(key, handle)
    batch = client.handles.batch_resolve([handle, fresh_handle("nobody"), "@x"])
    codes = [r.code for r in batch.results]
    assert codes == [
        grpc.StatusCode.OK.value[0],
        grpc.StatusCode.NOT_FOUND.value[0],
        grpc.StatusCode.INVALID_ARGUMENT.value[0],
    ]
    assert batch.results[0].result.public_key == public_key_bytes(key)
    info = client.handles.registrar_info()
    assert info.registrar_key.hex() == system.registrar.public_hex
    assert info.registration_period_s > 0


def test_bad_handle_is_invalid_argument_with_the_servers_message(client: Client) -> None:
    """A bad handle in resolve is InvalidArgument naming the rule, with a request id;
    register refuses it before sending, with the same kind of message."""
    with pytest.raises(InvalidArgument) as info:
        client.handles.resolve("@ab.ipn")
    assert "rule: length" in info.value.message
    assert info.value.request_id
    assert str(info.value).startswith("INVALID_ARGUMENT: ")
    with pytest.raises(InvalidArgument, match="rule: reserved"):
        client.handles.register(generate_key(), "@admin.ipn")


def test_duplicate_register_is_already_exists(client: Client) -> None:
    """A second key registering a held handle gets AlreadyExists."""
    handle = fresh_handle()
    client.handles.register(generate_key(), handle)
    with pytest.raises(AlreadyExists) as info:
        client.handles.register(generate_key(), handle)
    assert info.value.code is grpc.StatusCode.ALREADY_EXISTS and info.value.request_id


def test_stale_update_is_aborted_with_the_current_seq(client: Client) -> None:
    """An update signed against an old record is Aborted carrying the current seq."""
    key = generate_key()
    handle = fresh_handle()
    old = client.handles.register(key, handle).record
    client.handles.update(key, handle, addresses=["tcp://127.0.0.1:1"])
    with pytest.raises(Aborted) as info:
        client.handles.update(key, handle, addresses=["tcp://127.0.0.1:2"], current=old)
    assert info.value.current_seq == 2


def test_provide_find_list_and_stop(client: Client, tmp_path: Path) -> None:
    """provide and provide_file are found and listed; iter_content pages through;
    stop_providing withdraws."""
    key = generate_key()
    handle = fresh_handle()
    client.handles.register(key, handle)
    start_us = content_sdk.now_us()
    content = content_sdk.parse_content_hash("blake3:" + os.urandom(32).hex())
    provided = client.content.provide(
        key, content, size=42, handle=handle, addresses=["tcp://127.0.0.1:4001"]
    )
    assert len(provided.hash_timer.hex) == 64

    path = tmp_path / "blob.bin"
    path.write_bytes(os.urandom(FILE_BYTES))
    seen: list[tuple[int, int]] = []
    client.content.provide_file(key, path, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, FILE_BYTES) and seen[-1] == (FILE_BYTES, FILE_BYTES) and len(seen) >= 4
    file_hash, _ = content_sdk.hash_file(path)

    (found,) = client.content.find_providers(content)
    assert found.provider_key == public_key_bytes(key)
    assert found.provider.handle == handle and found.provider.size_bytes == 42
    (found_file,) = client.content.find_providers(file_hash, limit=5)
    assert found_file.provider.size_bytes == FILE_BYTES

    entries, token = client.content.list_content(since_us=start_us, page_size=1)
    assert len(entries) == 1 and token
    listed = list(client.content.iter_content(since_us=start_us, page_size=1))
    mine = [e.content for e in listed if e.provider_key == public_key_bytes(key)]
    assert mine == [content, file_hash]
    newest_first, _ = client.content.list_content(
        since_us=start_us, order=content_pb2.LIST_ORDER_DESCENDING
    )
    assert [e.content for e in newest_first][:2] == [file_hash, content]

    client.content.stop_providing(key, content)
    assert client.content.find_providers(content) == []


def test_provide_with_someone_elses_handle_is_permission_denied(client: Client) -> None:
    """A provider naming a handle that resolves to another key is refused."""
    handle = fresh_handle()
    client.handles.register(generate_key(), handle)
    content = content_sdk.parse_content_hash(os.urandom(32).hex())
    with pytest.raises(PermissionDenied):
        client.content.provide(generate_key(), content, handle=handle)


def test_stop_providing_what_was_never_provided_is_not_found(client: Client) -> None:
    """Withdrawing an announcement that does not exist is NotFound."""
    content = content_sdk.parse_content_hash(os.urandom(32).hex())
    with pytest.raises(NotFound):
        client.content.stop_providing(generate_key(), content)


def test_announce_and_discover_resources(client: Client) -> None:
    """announce_resource is found by discover_resources with matching filters only."""
    key = generate_key()
    kind = f"sdk.{os.urandom(4).hex()}"
    client.content.announce_resource(
        key, kind, "node-1", data=b"payload", attributes={"region": "eu"}
    )
    client.content.announce_resource(key, kind, "node-2", attributes={"region": "us"})
    (eu,) = client.content.discover_resources(kind, filters={"region": "eu"})
    assert eu.resource.id == "node-1" and eu.resource.data == b"payload"
    assert eu.announcer_key == public_key_bytes(key)
    assert {r.resource.id for r in client.content.discover_resources(kind)} == {"node-1", "node-2"}
    with pytest.raises(InvalidArgument):
        client.content.discover_resources("Bad Type!")


def test_discovery_calls(client: Client, system: System) -> None:
    """status, list_peers, get_peer (by id and by address), bootstrap_peers, add_peers,
    bootstrap and a watch_peers stream that ends when closed."""
    status = client.discovery.status()
    assert len(status.node_id) == 20 and status.min_peers_met
    peers = client.discovery.list_peers(page_size=1)
    assert len(peers.peers) == 1 and peers.total >= 2
    first = peers.peers[0]
    assert client.discovery.get_peer(first.node_id).peer.node_id == first.node_id
    assert client.discovery.get_peer(first.node_id.hex()).peer.node_id == first.node_id
    by_address = client.discovery.get_peer(host=first.host, port=first.port)
    assert by_address.peer.node_id == first.node_id
    assert 1 <= len(client.discovery.bootstrap_peers(limit=2).peers) <= 2
    node_port = system.dht_ports["dht-node-1"]
    added = client.discovery.add_peers([f"127.0.0.1:{node_port}"])
    assert [p.port for p in added.peers] == [node_port]
    assert client.discovery.bootstrap().live_peers >= 2
    with pytest.raises(InvalidArgument):
        client.discovery.add_peers(["127.0.0.1:0"])

    stream = client.discovery.watch_peers(include_current=True)
    event = next(stream)
    assert event.kind == discovery_pb2.PEER_EVENT_KIND_JOINED
    stream.close()
