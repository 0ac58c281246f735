"""The asyncio handle-registry client (``ipndht.v1.HandleRegistryService``);
see ``aio.py`` for the conventions every call follows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import grpc

from ipndht.v1 import (
    common_pb2,
    handles_pb2,
    handles_pb2_grpc,
)
from ipndht_client import handles as handles_sdk
from ipndht_client import requests as rq
from ipndht_client.calls import AsyncCaller
from ipndht_client.errors import Aborted
from services.core.records.keys import Ed25519PrivateKey


class AsyncHandlesClient:
    """The handle registry (``ipndht.v1.HandleRegistryService``).

    Writes sign with ``key`` (the owner's Ed25519 private key). Update,
    transfer, renew and release read the handle's current record with
    Resolve and sign ``seq + 1``; pass ``current=`` (a record from an
    earlier answer) to sign against that record instead."""

    def __init__(self, channel: grpc.aio.Channel, timeout_s: float) -> None:
        self._call = AsyncCaller(channel, timeout_s)
        self._stub = handles_pb2_grpc.HandleRegistryServiceStub(channel)
        self._period_s: int | None = None

    async def _default_period(self) -> int:
        if self._period_s is None:
            info = await self.registrar_info()
            self._period_s = int(info.registration_period_s) or handles_sdk.DEFAULT_PERIOD_S
        return self._period_s

    async def _current(
        self, handle: str, current: common_pb2.SignedRecord | None
    ) -> common_pb2.SignedRecord:
        return (
            current
            if current is not None
            else rq.current_record(await self.resolve(handle), handle)
        )

    async def register(
        self,
        key: Ed25519PrivateKey,
        handle: str,
        *,
        addresses: Iterable[str] = (),
        metadata: Mapping[str, str] | None = None,
        alias: str = "",
        period_s: int | None = None,
        seq: int | None = None,
    ) -> handles_pb2.RegisterResponse:
        """Claim ``handle`` for ``key``, valid ``period_s`` (default: the
        registry's period). Without ``seq``, a handle released or expired
        earlier is claimed with the seq after its last one."""
        period = await self._default_period() if period_s is None else period_s
        fields: dict[str, Any] = {"addresses": list(addresses), "metadata": metadata}
        fields.update(alias=alias, period_s=period)
        request = rq.register_request(key, handle, seq=seq or 1, **fields)
        try:
            return await self._call.unary(
                self._stub.Register, handles_pb2.RegisterResponse, request
            )
        except Aborted as exc:
            if seq is not None or exc.current_seq is None:
                raise
            request = rq.register_request(key, handle, seq=exc.current_seq + 1, **fields)
            return await self._call.unary(
                self._stub.Register, handles_pb2.RegisterResponse, request
            )

    async def resolve(self, query: str) -> handles_pb2.ResolveResponse:
        """Resolve a handle, a public key (64 hex digits) or an alias."""
        return await self._call.unary(
            self._stub.Resolve, handles_pb2.ResolveResponse, handles_pb2.ResolveRequest(query=query)
        )

    async def batch_resolve(self, queries: Sequence[str]) -> handles_pb2.BatchResolveResponse:
        """Resolve 1..100 queries; each result carries its own status code."""
        request = handles_pb2.BatchResolveRequest(queries=list(queries))
        return await self._call.unary(
            self._stub.BatchResolve, handles_pb2.BatchResolveResponse, request
        )

    async def update(
        self,
        key: Ed25519PrivateKey,
        handle: str,
        *,
        addresses: Iterable[str] | None = None,
        metadata: Mapping[str, str] | None = None,
        alias: str | None = None,
        target_key: bytes | None = None,
        current: common_pb2.SignedRecord | None = None,
    ) -> handles_pb2.UpdateResponse:
        """Change addresses, metadata, alias or target key; fields not given
        keep their current value."""
        base = await self._current(handle, current)
        record = rq.local(
            lambda: handles_sdk.update(
                key,
                base,
                target_key=target_key,
                addresses=addresses,
                metadata=metadata,
                alias=alias,
            )
        )
        return await self._call.unary(
            self._stub.Update, handles_pb2.UpdateResponse, handles_pb2.UpdateRequest(record=record)
        )

    async def transfer(
        self,
        key: Ed25519PrivateKey,
        handle: str,
        new_owner: bytes,
        *,
        current: common_pb2.SignedRecord | None = None,
    ) -> handles_pb2.TransferResponse:
        """Hand ``handle`` to the 32-byte public key ``new_owner``."""
        base = await self._current(handle, current)
        record = rq.local(lambda: handles_sdk.transfer(key, base, new_owner))
        return await self._call.unary(
            self._stub.Transfer,
            handles_pb2.TransferResponse,
            handles_pb2.TransferRequest(record=record),
        )

    async def renew(
        self,
        key: Ed25519PrivateKey,
        handle: str,
        *,
        period_s: int | None = None,
        current: common_pb2.SignedRecord | None = None,
    ) -> handles_pb2.RenewResponse:
        """Extend ``handle`` to ``period_s`` from now (default: the
        registry's period)."""
        base = await self._current(handle, current)
        period = await self._default_period() if period_s is None else period_s
        record = rq.local(lambda: handles_sdk.renew(key, base, period_s=period))
        return await self._call.unary(
            self._stub.Renew, handles_pb2.RenewResponse, handles_pb2.RenewRequest(record=record)
        )

    async def release(
        self,
        key: Ed25519PrivateKey,
        handle: str,
        *,
        current: common_pb2.SignedRecord | None = None,
    ) -> handles_pb2.ReleaseResponse:
        """Give ``handle`` up; anyone may register it again at once."""
        base = await self._current(handle, current)
        record = rq.local(lambda: handles_sdk.release(key, base))
        return await self._call.unary(
            self._stub.Release,
            handles_pb2.ReleaseResponse,
            handles_pb2.ReleaseRequest(record=record),
        )

    async def history(
        self, handle: str, *, page_size: int = 0, page_token: str = ""
    ) -> handles_pb2.GetHistoryResponse:
        """One page of the handle's accepted records, oldest first."""
        request = handles_pb2.GetHistoryRequest(
            handle=handle, page_size=page_size, page_token=page_token
        )
        return await self._call.unary(
            self._stub.GetHistory, handles_pb2.GetHistoryResponse, request
        )

    async def registrar_info(self) -> handles_pb2.GetRegistrarInfoResponse:
        """The registrar key, trusted registrars and the periods."""
        request = handles_pb2.GetRegistrarInfoRequest()
        return await self._call.unary(
            self._stub.GetRegistrarInfo, handles_pb2.GetRegistrarInfoResponse, request
        )
