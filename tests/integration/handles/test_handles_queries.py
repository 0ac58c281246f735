"""Resolve by key and alias, BatchResolve, GetHistory paging, registrar
info, the registrar key file, and handle records that bypass the registry."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import grpc
import pytest

from ipndht.v1 import handles_pb2, handles_pb2_grpc
from ipndht_client import handles as sdk
from services.core.dht.node import DhtNode
from services.core.nodes import dht_config
from services.core.records import keys, signing
from services.core.records.model import Record
from services.core.records.rules import SignedRecordPolicy
from services.handles.constants import REGISTRAR_KEY_FILE
from tests.support.handles_hosts import (
    Fixture,
    pub,
)
from tests.support.services import make_settings


async def test_resolve_by_public_key_lists_owned_handles(registry: Fixture) -> None:
    """A 64-hex-digit query answers the key itself and the handles it owns now."""
    _, stub, _ = registry
    alice, bob = keys.generate_private_key(), keys.generate_private_key()
    for name in ("@one.ipn", "@two.ipn"):
        await stub.Register(handles_pb2.RegisterRequest(record=sdk.register(alice, name)))
    three = await stub.Register(
        handles_pb2.RegisterRequest(record=sdk.register(alice, "@three.ipn"))
    )
    await stub.Transfer(
        handles_pb2.TransferRequest(record=sdk.transfer(alice, three.record, pub(bob)))
    )
    answer = await stub.Resolve(handles_pb2.ResolveRequest(query=pub(alice).hex().upper()))
    assert answer.kind == handles_pb2.QUERY_KIND_PUBLIC_KEY
    assert answer.source == handles_pb2.RESOLVE_SOURCE_DIRECT
    assert answer.public_key == pub(alice)
    assert list(answer.owned_handles) == ["@one.ipn", "@two.ipn"]
    answer = await stub.Resolve(handles_pb2.ResolveRequest(query=pub(bob).hex()))
    assert list(answer.owned_handles) == ["@three.ipn"]


async def test_resolve_by_alias_and_alias_is_unique(registry: Fixture) -> None:
    """An alias (validator id) resolves to its handle's key; a second handle
    cannot take a live alias; a bad alias is INVALID_ARGUMENT."""
    _, stub, _ = registry
    alice, bob = keys.generate_private_key(), keys.generate_private_key()
    await stub.Register(
        handles_pb2.RegisterRequest(record=sdk.register(alice, "@val.ipn", alias="validator-7"))
    )
    answer = await stub.Resolve(handles_pb2.ResolveRequest(query="validator-7"))
    assert answer.kind == handles_pb2.QUERY_KIND_ALIAS
    assert answer.handle == "@val.ipn" and answer.public_key == pub(alice)
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await stub.Register(
            handles_pb2.RegisterRequest(record=sdk.register(bob, "@other.ipn", alias="validator-7"))
        )
    assert info.value.code() == grpc.StatusCode.ALREADY_EXISTS
    for query, code in (
        ("no.such!", grpc.StatusCode.INVALID_ARGUMENT),
        ("nobody-x", grpc.StatusCode.NOT_FOUND),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.Resolve(handles_pb2.ResolveRequest(query=query))
        assert info.value.code() == code


async def test_batch_resolve_gives_each_query_its_own_status(registry: Fixture) -> None:
    """BatchResolve answers in order with a status per query; empty or over
    100 queries is INVALID_ARGUMENT for the call."""
    _, stub, _ = registry
    alice = keys.generate_private_key()
    await stub.Register(handles_pb2.RegisterRequest(record=sdk.register(alice, "@batch.ipn")))
    reply = await stub.BatchResolve(
        handles_pb2.BatchResolveRequest(
            queries=["@Batch.ipn", "@missing.ipn", "@x.ipn", pub(alice).hex()]
        )
    )
    assert [r.query for r in reply.results] == [
        "@Batch.ipn",
        "@missing.ipn",
        "@x.ipn",
        pub(alice).hex(),
    ]
    assert [r.code for r in reply.results] == [0, 5, 3, 0]
    assert reply.results[0].result.public_key == pub(alice)
    assert "rule: length" in reply.results[2].message
    assert list(reply.results[3].result.owned_handles) == ["@batch.ipn"]
    for queries in ([], ["@batch.ipn"] * 101):
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.BatchResolve(handles_pb2.BatchResolveRequest(queries=queries))
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_history_pages_oldest_first(registry: Fixture) -> None:
    """GetHistory pages with next_page_token; bad tokens and sizes are
    INVALID_ARGUMENT; an unknown handle NOT_FOUND."""
    _, stub, _ = registry
    alice = keys.generate_private_key()
    rec = (
        await stub.Register(handles_pb2.RegisterRequest(record=sdk.register(alice, "@hist.ipn")))
    ).record
    for i in range(4):
        rec = (
            await stub.Update(
                handles_pb2.UpdateRequest(record=sdk.update(alice, rec, metadata={"i": str(i)}))
            )
        ).record
    seqs: list[int] = []
    token = ""
    while True:
        page = await stub.GetHistory(
            handles_pb2.GetHistoryRequest(handle="@HIST.ipn", page_size=2, page_token=token)
        )
        seqs += [r.seq for r in page.records]
        token = page.next_page_token
        if not token:
            break
    assert seqs == [1, 2, 3, 4, 5]
    for request, code in (
        (
            handles_pb2.GetHistoryRequest(handle="@hist.ipn", page_token="zz"),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            handles_pb2.GetHistoryRequest(handle="@hist.ipn", page_size=101),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (handles_pb2.GetHistoryRequest(handle="@never.ipn"), grpc.StatusCode.NOT_FOUND),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.GetHistory(request)
        assert info.value.code() == code


@pytest.mark.parametrize(
    "token", ["\u00b2", "\u2460", "\u0661", "\u07c0", "\U0001d7d9", "-1", "1e3"]
)
async def test_history_page_token_of_non_ascii_digits_is_invalid_argument(
    registry: Fixture, token: str
) -> None:
    """Only the ASCII-digit tokens the server gives are accepted: Unicode
    digits (superscript two, circled one, Arabic-Indic one, NKo zero, ...)
    are INVALID_ARGUMENT, never INTERNAL and never read as an offset."""
    _, stub, _ = registry
    alice = keys.generate_private_key()
    await stub.Register(handles_pb2.RegisterRequest(record=sdk.register(alice, "@digits.ipn")))
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await stub.GetHistory(handles_pb2.GetHistoryRequest(handle="@digits.ipn", page_token=token))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT, info.value.details()
    assert "page_token" in (info.value.details() or "")


async def test_registrar_info_names_the_keys_and_periods(registry: Fixture) -> None:
    """GetRegistrarInfo returns the registrar key, the trusted set and the periods."""
    host, stub, reg = registry
    info = await stub.GetRegistrarInfo(handles_pb2.GetRegistrarInfoRequest())
    assert info.registrar_key == pub(reg.key)
    assert list(info.trusted_registrars) == [pub(reg.key)]
    assert info.registration_period_s == host.settings.handle_period_s
    assert info.grace_period_s == host.settings.handle_grace_s


async def test_registrar_key_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    """Without a key file setting, the key is generated in the data dir (0600)
    at first start and the same key is used after a restart."""
    from services.core.host import HANDLES
    from services.handles.service import build
    from tests.support.services import start_host

    settings = make_settings(tmp_path)
    keys_seen = []
    for _ in range(2):
        host = await start_host(settings, HANDLES, build)
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel:
                info = await handles_pb2_grpc.HandleRegistryServiceStub(channel).GetRegistrarInfo(
                    handles_pb2.GetRegistrarInfoRequest()
                )
                keys_seen.append(info.registrar_key)
                # Nobody trusts this registrar: writes are refused, plainly.
                with pytest.raises(grpc.aio.AioRpcError) as err:
                    await handles_pb2_grpc.HandleRegistryServiceStub(channel).Register(
                        handles_pb2.RegisterRequest(
                            record=sdk.register(keys.generate_private_key(), "@trust.ipn")
                        )
                    )
                assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
                assert "IPNDHT_TRUSTED_REGISTRARS" in (err.value.details() or "")
        finally:
            await host.stop(grace_s=0)
    path = host.data_dir / REGISTRAR_KEY_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert keys_seen[0] == keys_seen[1] and len(keys_seen[0]) == 32


async def test_handle_record_stored_around_the_registry_never_resolves(
    registry: Fixture, tmp_path: Path
) -> None:
    """A handle record countersigned by an untrusted key, put into the DHT by
    a node that accepts it, is refused by the registry's node and never
    returned by Resolve; the registry does not accept it as a request either."""
    host, stub, _ = registry
    rogue = keys.generate_private_key()
    rogue_policy = SignedRecordPolicy([pub(rogue)])
    settings = make_settings(tmp_path / "rogue")
    node = DhtNode(dht_config(settings, 0, None), rogue_policy)
    await node.start()
    try:
        assert host.dht is not None
        await node.bootstrap([host.dht.address])
        mallory = keys.generate_private_key()
        forged = signing.countersign(Record.from_proto(sdk.register(mallory, "@bypass.ipn")), rogue)
        await node.put(forged.encode())
        assert host.dht.storage.get_info(forged.dht_key(), sdk.now_us()) is None
        assert node.storage.get_info(forged.dht_key(), sdk.now_us()) is not None
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.Resolve(handles_pb2.ResolveRequest(query="@bypass.ipn"))
        assert info.value.code() == grpc.StatusCode.NOT_FOUND
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.Register(handles_pb2.RegisterRequest(record=forged.to_proto()))
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    finally:
        await node.stop()
