"""The handle registry through gRPC with real signatures: every write, every
rule violation's own status code, and that a refused write changes nothing."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from ipndht.v1 import common_pb2, handles_pb2
from ipndht_client import handles as sdk
from services.core.records import keys
from tests.support.handles_hosts import (
    Fixture,
    Stub,
    pub,
)


async def resolve(stub: Stub, query: str) -> handles_pb2.ResolveResponse:
    answer: handles_pb2.ResolveResponse = await stub.Resolve(
        handles_pb2.ResolveRequest(query=query), timeout=10
    )
    return answer


async def history(stub: Stub, handle: str) -> list[common_pb2.SignedRecord]:
    reply = await stub.GetHistory(handles_pb2.GetHistoryRequest(handle=handle), timeout=10)
    return list(reply.records)


async def expect(code: grpc.StatusCode, call: object) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call  # type: ignore[misc]
    assert info.value.code() == code, info.value.details()
    return info.value.details() or ""


async def test_register_then_resolve_normalises_the_query(registry: Fixture) -> None:
    """A registered handle resolves to its target key, also as @Alice.IPN,
    with the registrar's countersignature on the record."""
    _, stub, reg = registry
    alice = keys.generate_private_key()
    reply = await stub.Register(
        handles_pb2.RegisterRequest(record=sdk.register(alice, "@alice.ipn")), timeout=10
    )
    assert [cs.signer for cs in reply.record.countersignatures] == [pub(reg.key)]
    for query in ("@alice.ipn", "@Alice.IPN"):
        answer = await resolve(stub, query)
        assert answer.kind == handles_pb2.QUERY_KIND_HANDLE
        assert answer.public_key == pub(alice)
        assert answer.handle == "@alice.ipn"
        assert answer.record == reply.record
        assert answer.source in (
            handles_pb2.RESOLVE_SOURCE_DHT,
            handles_pb2.RESOLVE_SOURCE_LOCAL,
            handles_pb2.RESOLVE_SOURCE_CACHE,
        )


async def test_update_transfer_renew_release_and_register_anew(registry: Fixture) -> None:
    """The whole life of a handle: each write moves seq by one and shows in
    Resolve and GetHistory; after release anyone registers it with seq + 1."""
    _, stub, _ = registry
    alice, bob, carol = (keys.generate_private_key() for _ in range(3))
    target = pub(keys.generate_private_key())
    rec = (
        await stub.Register(handles_pb2.RegisterRequest(record=sdk.register(alice, "@life.ipn")))
    ).record
    rec = (
        await stub.Update(
            handles_pb2.UpdateRequest(
                record=sdk.update(alice, rec, target_key=target, metadata={"site": "x"})
            )
        )
    ).record
    assert (await resolve(stub, "@life.ipn")).public_key == target
    rec = (
        await stub.Transfer(handles_pb2.TransferRequest(record=sdk.transfer(alice, rec, pub(bob))))
    ).record
    assert (await resolve(stub, "@life.ipn")).public_key == pub(bob)
    old_expiry = rec.expires_at_us
    rec = (await stub.Renew(handles_pb2.RenewRequest(record=sdk.renew(bob, rec)))).record
    assert rec.expires_at_us > old_expiry
    rec = (await stub.Release(handles_pb2.ReleaseRequest(record=sdk.release(bob, rec)))).record
    details = await expect(grpc.StatusCode.NOT_FOUND, resolve(stub, "@life.ipn"))
    assert "released" in details
    again = await stub.Register(
        handles_pb2.RegisterRequest(record=sdk.register(carol, "@life.ipn", seq=rec.seq + 1))
    )
    assert (await resolve(stub, "@life.ipn")).public_key == pub(carol)
    steps = await history(stub, "@life.ipn")
    assert [r.seq for r in steps] == [1, 2, 3, 4, 5, 6]
    assert steps[-1] == again.record
    ops = [handles_pb2.HandleRecord.FromString(r.value).operation for r in steps]
    assert ops == [1, 2, 3, 4, 5, 1]


async def test_each_rule_violation_has_its_code_and_changes_nothing(registry: Fixture) -> None:
    """INVALID_ARGUMENT, ALREADY_EXISTS, PERMISSION_DENIED, ABORTED (with the
    current seq) and NOT_FOUND, and the handle is untouched after each."""
    _, stub, _ = registry
    alice, mallory = keys.generate_private_key(), keys.generate_private_key()
    rec = (
        await stub.Register(handles_pb2.RegisterRequest(record=sdk.register(alice, "@rules.ipn")))
    ).record
    before = (await resolve(stub, "@rules.ipn")).record

    bad_sig = sdk.update(alice, rec, addresses=["tcp://127.0.0.1:9"])
    bad_sig.signature = bytes(64)
    cases: list[tuple[grpc.StatusCode, object, str]] = [
        (
            grpc.StatusCode.INVALID_ARGUMENT,
            stub.Update(handles_pb2.UpdateRequest(record=bad_sig)),
            "signature",
        ),
        (
            grpc.StatusCode.INVALID_ARGUMENT,
            stub.Register(handles_pb2.RegisterRequest(record=_raw_register(alice, "@admin.ipn"))),
            "reserved",
        ),
        (
            grpc.StatusCode.INVALID_ARGUMENT,
            stub.Update(handles_pb2.UpdateRequest(record=sdk.register(alice, "@rules.ipn", seq=2))),
            "operation",
        ),
        (grpc.StatusCode.INVALID_ARGUMENT, stub.Update(handles_pb2.UpdateRequest()), "no record"),
        (
            grpc.StatusCode.ALREADY_EXISTS,
            stub.Register(handles_pb2.RegisterRequest(record=sdk.register(mallory, "@rules.ipn"))),
            "registered",
        ),
        (
            grpc.StatusCode.PERMISSION_DENIED,
            stub.Update(handles_pb2.UpdateRequest(record=_as_update(mallory, rec))),
            "not by its owner",
        ),
        (
            grpc.StatusCode.ABORTED,
            stub.Update(handles_pb2.UpdateRequest(record=_with_seq(alice, rec, 5))),
            "current seq is 1",
        ),
        (
            grpc.StatusCode.NOT_FOUND,
            stub.Update(
                handles_pb2.UpdateRequest(
                    record=sdk.update(alice, sdk.register(alice, "@nobody.ipn"))
                )
            ),
            "not registered",
        ),
        (
            grpc.StatusCode.INVALID_ARGUMENT,
            stub.Renew(
                handles_pb2.RenewRequest(record=sdk.renew(alice, rec, period_s=500 * 86400))
            ),
            "registration period",
        ),
        (
            grpc.StatusCode.INVALID_ARGUMENT,
            stub.Update(
                handles_pb2.UpdateRequest(
                    record=sdk.update(alice, rec, metadata={f"k{i}": "v" for i in range(17)})
                )
            ),
            "metadata",
        ),
    ]
    for code, call, words in cases:
        details = await expect(code, call)
        assert words in details, (code, details)
        assert (await resolve(stub, "@rules.ipn")).record == before
        assert [r.seq for r in await history(stub, "@rules.ipn")] == [1]


def _as_update(
    signer: keys.Ed25519PrivateKey, current: common_pb2.SignedRecord
) -> common_pb2.SignedRecord:
    """An UPDATE of ``current`` signed by ``signer`` naming itself the owner."""
    payload = handles_pb2.HandleRecord.FromString(current.value)
    payload.owner_key = payload.target_key = pub(signer)
    payload.operation = handles_pb2.HANDLE_OPERATION_UPDATE
    record = sdk._sign(
        signer,
        payload.handle,
        payload.SerializeToString(deterministic=True),
        current.seq + 1,
        sdk.now_us(),
        current.expires_at_us,
    )
    return record


def _with_seq(
    signer: keys.Ed25519PrivateKey, current: common_pb2.SignedRecord, seq: int
) -> common_pb2.SignedRecord:
    payload = handles_pb2.HandleRecord.FromString(current.value)
    payload.operation = handles_pb2.HANDLE_OPERATION_UPDATE
    return sdk._sign(
        signer,
        payload.handle,
        payload.SerializeToString(deterministic=True),
        seq,
        sdk.now_us(),
        current.expires_at_us,
    )


async def test_expired_handle_is_renewable_only_by_its_owner_in_grace(registry: Fixture) -> None:
    """Past expiry, within grace: Resolve says NOT_FOUND, Update gives
    FAILED_PRECONDITION, Register by another ALREADY_EXISTS, Renew works."""
    _, stub, _ = registry
    alice, bob = keys.generate_private_key(), keys.generate_private_key()
    now = sdk.now_us()
    rec = (
        await stub.Register(
            handles_pb2.RegisterRequest(
                record=sdk.register(
                    alice, "@brief.ipn", issued_at_us=now, expires_at_us=now + 1_500_000
                )
            )
        )
    ).record
    await asyncio.sleep(max(0.0, (rec.expires_at_us - sdk.now_us()) / 1e6) + 0.2)
    await expect(grpc.StatusCode.NOT_FOUND, resolve(stub, "@brief.ipn"))
    await expect(
        grpc.StatusCode.FAILED_PRECONDITION,
        stub.Update(handles_pb2.UpdateRequest(record=_fresh_update(alice, rec))),
    )
    await expect(
        grpc.StatusCode.ALREADY_EXISTS,
        stub.Register(handles_pb2.RegisterRequest(record=sdk.register(bob, "@brief.ipn", seq=2))),
    )
    renewed = await stub.Renew(handles_pb2.RenewRequest(record=sdk.renew(alice, rec)))
    assert renewed.record.seq == 2
    assert (await resolve(stub, "@brief.ipn")).public_key == pub(alice)


def _fresh_update(
    signer: keys.Ed25519PrivateKey, current: common_pb2.SignedRecord
) -> common_pb2.SignedRecord:
    """An update of an expired record: it must itself be unexpired, so it
    ends in the future (the expiry rule is checked after the grace rule)."""
    payload = handles_pb2.HandleRecord.FromString(current.value)
    payload.operation = handles_pb2.HANDLE_OPERATION_UPDATE
    now = sdk.now_us()
    return sdk._sign(
        signer,
        payload.handle,
        payload.SerializeToString(deterministic=True),
        current.seq + 1,
        now,
        now + 60_000_000,
    )


def _raw_register(signer: keys.Ed25519PrivateKey, handle: str) -> common_pb2.SignedRecord:
    """A REGISTER record for ``handle`` without the SDK's name check."""
    value = sdk.handle_value(handle, pub(signer), handles_pb2.HANDLE_OPERATION_REGISTER)
    now = sdk.now_us()
    return sdk._sign(signer, handle, value, 1, now, now + 86_400_000_000)
