"""The ``ipndht.v1.HandleRegistryService`` servicer and its wiring.

Each RPC checks the request shape, calls one domain object (``Registry``
for writes, ``Resolver`` for reads) and maps the result; domain errors are
mapped to gRPC codes by the host's interceptor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

import grpc

from ipndht.v1 import common_pb2, handles_pb2, handles_pb2_grpc
from services.core import keyfile
from services.core.errors import InvalidArgument, IpndhtError
from services.core.host import ServiceHost
from services.core.interceptors import status_for
from services.core.records.model import Record
from services.discovery.join import join_via_discovery
from services.handles import constants as c
from services.handles.hotcache import HotCache, Invalidations
from services.handles.lookup import HandleLookup
from services.handles.registry import Registry
from services.handles.resolver import Answer, Resolver
from services.handles.store import SqliteHandleStore

Context: TypeAlias = grpc.aio.ServicerContext[Any, Any]
WriteRequest: TypeAlias = (
    handles_pb2.RegisterRequest
    | handles_pb2.UpdateRequest
    | handles_pb2.TransferRequest
    | handles_pb2.RenewRequest
    | handles_pb2.ReleaseRequest
)


def _record(message: WriteRequest) -> Record:
    if not message.HasField("record"):
        raise InvalidArgument("the request has no record; send the owner-signed SignedRecord")
    return Record.from_proto(message.record)


class HandleRegistryServicer(handles_pb2_grpc.HandleRegistryServiceServicer):
    """Thin servicer over the registry's domain objects."""

    def __init__(
        self,
        registry: Registry,
        resolver: Resolver,
        info: Callable[[], handles_pb2.GetRegistrarInfoResponse],
    ) -> None:
        self._registry = registry
        self._resolver = resolver
        self._info = info

    async def _write(
        self, operation: int, request: WriteRequest
    ) -> tuple[common_pb2.SignedRecord, int]:
        record, holders = await self._registry.write(operation, _record(request))
        return record.to_proto(), holders

    async def Register(
        self, request: handles_pb2.RegisterRequest, context: Context
    ) -> handles_pb2.RegisterResponse:
        record, holders = await self._write(handles_pb2.HANDLE_OPERATION_REGISTER, request)
        return handles_pb2.RegisterResponse(record=record, holders=holders)

    async def Update(
        self, request: handles_pb2.UpdateRequest, context: Context
    ) -> handles_pb2.UpdateResponse:
        record, holders = await self._write(handles_pb2.HANDLE_OPERATION_UPDATE, request)
        return handles_pb2.UpdateResponse(record=record, holders=holders)

    async def Transfer(
        self, request: handles_pb2.TransferRequest, context: Context
    ) -> handles_pb2.TransferResponse:
        record, holders = await self._write(handles_pb2.HANDLE_OPERATION_TRANSFER, request)
        return handles_pb2.TransferResponse(record=record, holders=holders)

    async def Renew(
        self, request: handles_pb2.RenewRequest, context: Context
    ) -> handles_pb2.RenewResponse:
        record, holders = await self._write(handles_pb2.HANDLE_OPERATION_RENEW, request)
        return handles_pb2.RenewResponse(record=record, holders=holders)

    async def Release(
        self, request: handles_pb2.ReleaseRequest, context: Context
    ) -> handles_pb2.ReleaseResponse:
        record, holders = await self._write(handles_pb2.HANDLE_OPERATION_RELEASE, request)
        return handles_pb2.ReleaseResponse(record=record, holders=holders)

    async def Resolve(self, request: handles_pb2.ResolveRequest, context: Context) -> Answer:
        hit = self._resolver.cached(request.query)
        if hit is not None:
            return hit
        return await self._resolver.resolve(request.query)

    async def BatchResolve(
        self, request: handles_pb2.BatchResolveRequest, context: Context
    ) -> handles_pb2.BatchResolveResponse:
        answers = await self._resolver.resolve_many(list(request.queries))
        results = []
        for query, answer in zip(request.queries, answers, strict=True):
            if isinstance(answer, IpndhtError):
                code = status_for(answer).value[0]
                results.append(
                    handles_pb2.BatchResolveResult(query=query, code=code, message=answer.message)
                )
            else:
                results.append(handles_pb2.BatchResolveResult(query=query, code=0, result=answer))
        return handles_pb2.BatchResolveResponse(results=results)

    async def GetHistory(
        self, request: handles_pb2.GetHistoryRequest, context: Context
    ) -> handles_pb2.GetHistoryResponse:
        entries, token = await self._resolver.history(
            request.handle, request.page_size, request.page_token
        )
        return handles_pb2.GetHistoryResponse(
            records=[e.record.to_proto() for e in entries], next_page_token=token
        )

    async def GetRegistrarInfo(
        self, request: handles_pb2.GetRegistrarInfoRequest, context: Context
    ) -> handles_pb2.GetRegistrarInfoResponse:
        return self._info()


async def build(host: ServiceHost) -> None:
    """Add the handle-registry servicer to the host's server."""
    settings = host.settings
    assert host.dht is not None, "the host starts its DHT node before build"
    key_path = settings.registrar_key_file or host.data_dir / c.REGISTRAR_KEY_FILE
    registrar_key = keyfile.load_or_create(key_path)
    store = SqliteHandleStore(host.data_dir / c.STORE_FILE)
    assert host.policy is not None
    policy = host.policy
    hot: HotCache[Answer] = HotCache()
    lookup = HandleLookup(host.dht, store, host.cache, policy, settings.handle_grace_s * 1_000_000)

    async def no_notify(handle: str) -> None:
        hot.invalidate(handle)

    notify = no_notify
    if settings.redis_url:
        invalidations = Invalidations(settings.redis_url, hot)

        async def notify_all(handle: str) -> None:
            hot.invalidate(handle)
            await invalidations.publish(handle)

        notify = notify_all
        host.spawn(invalidations.run(), "handle-invalidations")
        host.on_stop(invalidations.close)

    async def close_store() -> None:
        store.close()

    host.on_stop(close_store)
    registry = Registry(
        lookup,
        registrar_key,
        period_s=settings.handle_period_s,
        grace_s=settings.handle_grace_s,
        writable=host.check_writable,
        notify=notify,
    )
    info = handles_pb2.GetRegistrarInfoResponse(
        registrar_key=registry.registrar_key,
        trusted_registrars=sorted(policy.trusted_registrars),
        registration_period_s=settings.handle_period_s,
        grace_period_s=settings.handle_grace_s,
    )
    host.spawn(join_via_discovery(host), "join-via-discovery")
    handles_pb2_grpc.add_HandleRegistryServiceServicer_to_server(
        HandleRegistryServicer(registry, Resolver(lookup, hot), lambda: info), host.server
    )
