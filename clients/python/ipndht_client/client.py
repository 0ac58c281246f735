"""The synchronous client: ``Client`` with ``.discovery``, ``.handles`` and
``.content``.

Every call has a deadline (``timeout_s``), is retried on UNAVAILABLE with
backoff by the channel's service config (``config.service_config``), sends a
fresh ``x-request-id`` and raises an ``IpndhtError`` subclass on failure;
``grpc.RpcError`` never escapes.

Keyword names follow the protos where they differ from a plain reading:
``list_peers(sources=, states=, page_size=, page_token=)``,
``bootstrap(force_dns=)``, ``watch_peers(kinds=, include_current=)``,
``bootstrap_peers(limit=)``, ``discover_resources(type, filters=, limit=)``,
``announce_resource(key, type, resource_id, data=, attributes=, ttl_s=)``.
Provider records have no metadata field, so ``provide`` takes none.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar, cast

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from ipndht.v1 import (
    common_pb2,
    content_pb2,
    content_pb2_grpc,
    discovery_pb2,
    discovery_pb2_grpc,
    handles_pb2,
    handles_pb2_grpc,
)
from ipndht_client import content as content_sdk
from ipndht_client import handles as handles_sdk
from ipndht_client import requests as rq
from ipndht_client.config import DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_S, Endpoints, channel_options
from ipndht_client.errors import Aborted, IpndhtError, NotFound, error_from_rpc
from services.core.records.keys import Ed25519PrivateKey

R = TypeVar("R")


class _Caller:
    """Runs calls on one channel with the deadline and the error mapping."""

    def __init__(self, channel: grpc.Channel, timeout_s: float) -> None:
        self.channel = channel
        self.timeout_s = timeout_s

    def unary(self, method: Callable[..., Any], response: type[R], request: Any) -> R:
        """``method(request)`` answering a ``response``."""
        rid = rq.new_request_id()
        try:
            result = method(request, timeout=self.timeout_s, metadata=((rq.REQUEST_ID_KEY, rid),))
        except grpc.RpcError as exc:
            raise _error(exc, rid) from None
        return cast(R, result)

    def stream(self, method: Callable[..., Any], response: type[R], request: Any) -> list[R]:
        """Every ``response`` of the server stream ``method(request)``; the
        deadline covers the whole stream."""
        rid = rq.new_request_id()
        try:
            call = method(request, timeout=self.timeout_s, metadata=((rq.REQUEST_ID_KEY, rid),))
            return [cast(R, item) for item in call]
        except grpc.RpcError as exc:
            raise _error(exc, rid) from None


def _error(exc: grpc.RpcError, request_id: str) -> IpndhtError:
    error = error_from_rpc(exc)
    if error.request_id is None:
        error.request_id = request_id
    return error


class HandlesClient:
    """The handle registry (``ipndht.v1.HandleRegistryService``).

    Writes sign with ``key`` (the owner's Ed25519 private key). Update,
    transfer, renew and release read the handle's current record with
    Resolve and sign ``seq + 1``; pass ``current=`` (a record from an
    earlier answer) to sign against that record instead."""

    def __init__(self, channel: grpc.Channel, timeout_s: float) -> None:
        self._call = _Caller(channel, timeout_s)
        self._stub = handles_pb2_grpc.HandleRegistryServiceStub(channel)
        self._period_s: int | None = None

    def _default_period(self) -> int:
        if self._period_s is None:
            info = self.registrar_info()
            self._period_s = int(info.registration_period_s) or handles_sdk.DEFAULT_PERIOD_S
        return self._period_s

    def _current(
        self, handle: str, current: common_pb2.SignedRecord | None
    ) -> common_pb2.SignedRecord:
        return current if current is not None else rq.current_record(self.resolve(handle), handle)

    def register(
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
        period = self._default_period() if period_s is None else period_s
        fields: dict[str, Any] = {"addresses": list(addresses), "metadata": metadata}
        fields.update(alias=alias, period_s=period)
        request = rq.register_request(key, handle, seq=seq or 1, **fields)
        try:
            return self._call.unary(self._stub.Register, handles_pb2.RegisterResponse, request)
        except Aborted as exc:
            if seq is not None or exc.current_seq is None:
                raise
            request = rq.register_request(key, handle, seq=exc.current_seq + 1, **fields)
            return self._call.unary(self._stub.Register, handles_pb2.RegisterResponse, request)

    def resolve(self, query: str) -> handles_pb2.ResolveResponse:
        """Resolve a handle, a public key (64 hex digits) or an alias."""
        return self._call.unary(
            self._stub.Resolve, handles_pb2.ResolveResponse, handles_pb2.ResolveRequest(query=query)
        )

    def batch_resolve(self, queries: Sequence[str]) -> handles_pb2.BatchResolveResponse:
        """Resolve 1..100 queries; each result carries its own status code."""
        request = handles_pb2.BatchResolveRequest(queries=list(queries))
        return self._call.unary(self._stub.BatchResolve, handles_pb2.BatchResolveResponse, request)

    def update(
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
        base = self._current(handle, current)
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
        return self._call.unary(
            self._stub.Update, handles_pb2.UpdateResponse, handles_pb2.UpdateRequest(record=record)
        )

    def transfer(
        self,
        key: Ed25519PrivateKey,
        handle: str,
        new_owner: bytes,
        *,
        current: common_pb2.SignedRecord | None = None,
    ) -> handles_pb2.TransferResponse:
        """Hand ``handle`` to the 32-byte public key ``new_owner``."""
        base = self._current(handle, current)
        record = rq.local(lambda: handles_sdk.transfer(key, base, new_owner))
        return self._call.unary(
            self._stub.Transfer,
            handles_pb2.TransferResponse,
            handles_pb2.TransferRequest(record=record),
        )

    def renew(
        self,
        key: Ed25519PrivateKey,
        handle: str,
        *,
        period_s: int | None = None,
        current: common_pb2.SignedRecord | None = None,
    ) -> handles_pb2.RenewResponse:
        """Extend ``handle`` to ``period_s`` from now (default: the
        registry's period)."""
        base = self._current(handle, current)
        period = self._default_period() if period_s is None else period_s
        record = rq.local(lambda: handles_sdk.renew(key, base, period_s=period))
        return self._call.unary(
            self._stub.Renew, handles_pb2.RenewResponse, handles_pb2.RenewRequest(record=record)
        )

    def release(
        self,
        key: Ed25519PrivateKey,
        handle: str,
        *,
        current: common_pb2.SignedRecord | None = None,
    ) -> handles_pb2.ReleaseResponse:
        """Give ``handle`` up; anyone may register it again at once."""
        base = self._current(handle, current)
        record = rq.local(lambda: handles_sdk.release(key, base))
        return self._call.unary(
            self._stub.Release,
            handles_pb2.ReleaseResponse,
            handles_pb2.ReleaseRequest(record=record),
        )

    def history(
        self, handle: str, *, page_size: int = 0, page_token: str = ""
    ) -> handles_pb2.GetHistoryResponse:
        """One page of the handle's accepted records, oldest first."""
        request = handles_pb2.GetHistoryRequest(
            handle=handle, page_size=page_size, page_token=page_token
        )
        return self._call.unary(self._stub.GetHistory, handles_pb2.GetHistoryResponse, request)

    def registrar_info(self) -> handles_pb2.GetRegistrarInfoResponse:
        """The registrar key, trusted registrars and the periods."""
        request = handles_pb2.GetRegistrarInfoRequest()
        return self._call.unary(
            self._stub.GetRegistrarInfo, handles_pb2.GetRegistrarInfoResponse, request
        )


class ContentClient:
    """Content routing (``ipndht.v1.ContentRoutingService``).

    Announcements and withdrawals are signed with ``key``; without ``seq``
    the seq is the current time in microseconds (always above an earlier
    one), and an ABORTED answer naming the current seq is retried once with
    the seq after it."""

    def __init__(self, channel: grpc.Channel, timeout_s: float) -> None:
        self._call = _Caller(channel, timeout_s)
        self._stub = content_pb2_grpc.ContentRoutingServiceStub(channel)

    def _signed(
        self,
        method: Callable[..., Any],
        response: type[R],
        build: Callable[[int], Any],
        seq: int | None,
    ) -> R:
        try:
            return self._call.unary(method, response, build(seq or content_sdk.now_us()))
        except Aborted as exc:
            if seq is not None or exc.current_seq is None:
                raise
            retry_seq = max(exc.current_seq + 1, content_sdk.now_us())
            return self._call.unary(method, response, build(retry_seq))

    def provide(
        self,
        key: Ed25519PrivateKey,
        content: common_pb2.ContentHash,
        *,
        size: int = 0,
        handle: str = "",
        addresses: Iterable[str] = (),
        ttl_s: int | None = None,
        seq: int | None = None,
    ) -> content_pb2.ProvideResponse:
        """Announce that ``key`` serves ``content`` (for ``ttl_s``, default 48 h)."""
        addrs = list(addresses)
        return self._signed(
            self._stub.Provide,
            content_pb2.ProvideResponse,
            lambda s: rq.provide_request(
                key, content, seq=s, size=size, handle=handle, addresses=addrs, ttl_s=ttl_s
            ),
            seq,
        )

    def provide_file(
        self,
        key: Ed25519PrivateKey,
        path: str | Path,
        *,
        algorithm: int = content_sdk.BLAKE3,
        progress: content_sdk.Progress | None = None,
        handle: str = "",
        addresses: Iterable[str] = (),
        ttl_s: int | None = None,
        seq: int | None = None,
    ) -> content_pb2.ProvideResponse:
        """Hash the file at ``path`` (``progress(done, total)`` while
        hashing) and announce it with its size."""
        content, size = content_sdk.hash_file(path, algorithm, progress=progress)
        return self.provide(
            key, content, size=size, handle=handle, addresses=addresses, ttl_s=ttl_s, seq=seq
        )

    def stop_providing(
        self, key: Ed25519PrivateKey, content: common_pb2.ContentHash, *, seq: int | None = None
    ) -> content_pb2.StopProvidingResponse:
        """Withdraw ``key``'s announcement of ``content``."""
        return self._signed(
            self._stub.StopProviding,
            content_pb2.StopProvidingResponse,
            lambda s: rq.stop_request(key, content, seq=s),
            seq,
        )

    def find_providers(
        self, content: common_pb2.ContentHash, *, limit: int = 0
    ) -> list[content_pb2.FindProvidersResponse]:
        """The providers of ``content``, newest first (``limit`` 0: 20)."""
        request = content_pb2.FindProvidersRequest(content=content, limit=limit)
        return self._call.stream(
            self._stub.FindProviders, content_pb2.FindProvidersResponse, request
        )

    def list_content(
        self,
        *,
        since_us: int = 0,
        until_us: int = 0,
        page_size: int = 0,
        page_token: str = "",
        order: int = content_pb2.LIST_ORDER_ASCENDING,
    ) -> tuple[list[content_pb2.ContentEntry], str]:
        """One page of announcements in [since_us, until_us) and the next
        page's token ("" after the last page)."""
        request = rq.list_content_request(
            since_us=since_us,
            until_us=until_us,
            page_size=page_size,
            page_token=page_token,
            order=order,
        )
        return rq.split_page(
            self._call.stream(self._stub.ListContent, content_pb2.ListContentResponse, request)
        )

    def iter_content(
        self,
        *,
        since_us: int = 0,
        until_us: int = 0,
        page_size: int = 0,
        order: int = content_pb2.LIST_ORDER_ASCENDING,
    ) -> Iterator[content_pb2.ContentEntry]:
        """Every announcement in the window, page after page."""
        token = ""
        while True:
            entries, token = self.list_content(
                since_us=since_us,
                until_us=until_us,
                page_size=page_size,
                page_token=token,
                order=order,
            )
            yield from entries
            if not token:
                return

    def announce_resource(
        self,
        key: Ed25519PrivateKey,
        type: str,
        resource_id: str,
        *,
        data: bytes = b"",
        attributes: Mapping[str, str] | None = None,
        ttl_s: int | None = None,
        seq: int | None = None,
    ) -> content_pb2.AnnounceResourceResponse:
        """Publish resource ``type``/``resource_id`` (``ttl_s`` default 1 h)."""
        return self._signed(
            self._stub.AnnounceResource,
            content_pb2.AnnounceResourceResponse,
            lambda s: rq.resource_request(
                key, type, resource_id, seq=s, data=data, attributes=attributes, ttl_s=ttl_s
            ),
            seq,
        )

    def discover_resources(
        self, type: str, *, filters: Mapping[str, str] | None = None, limit: int = 0
    ) -> list[content_pb2.DiscoverResourcesResponse]:
        """Unexpired resources of ``type`` whose attributes match every filter."""
        request = content_pb2.DiscoverResourcesRequest(
            type=type, filters=dict(filters or {}), limit=limit
        )
        return self._call.stream(
            self._stub.DiscoverResources, content_pb2.DiscoverResourcesResponse, request
        )


class DiscoveryClient:
    """Discovery (``ipndht.v1.DiscoveryService``)."""

    def __init__(self, channel: grpc.Channel, timeout_s: float) -> None:
        self._call = _Caller(channel, timeout_s)
        self._stub = discovery_pb2_grpc.DiscoveryServiceStub(channel)

    def list_peers(
        self,
        *,
        sources: Iterable[int] = (),
        states: Iterable[int] = (),
        page_size: int = 0,
        page_token: str = "",
    ) -> discovery_pb2.ListPeersResponse:
        """One page of known peers, best score first."""
        request = discovery_pb2.ListPeersRequest(
            sources=list(sources),  # type: ignore[arg-type]
            states=list(states),  # type: ignore[arg-type]
            page_size=page_size,
            page_token=page_token,
        )
        return self._call.unary(self._stub.ListPeers, discovery_pb2.ListPeersResponse, request)

    def get_peer(
        self, node_id: bytes | str = b"", *, host: str = "", port: int = 0
    ) -> discovery_pb2.GetPeerResponse:
        """One peer by node id (bytes or hex), or by ``host`` and ``port``."""
        request = rq.get_peer_request(node_id, host, port)
        return self._call.unary(self._stub.GetPeer, discovery_pb2.GetPeerResponse, request)

    def add_peers(self, addresses: Sequence[str]) -> discovery_pb2.AddPeersResponse:
        """Add ``host:port`` peers by hand; each is pinged once."""
        return self._call.unary(
            self._stub.AddPeers, discovery_pb2.AddPeersResponse, rq.add_peers_request(addresses)
        )

    def bootstrap(self, *, force_dns: bool = False) -> discovery_pb2.BootstrapResponse:
        """Refresh the peers from every source now."""
        request = discovery_pb2.BootstrapRequest(force_dns=force_dns)
        return self._call.unary(self._stub.Bootstrap, discovery_pb2.BootstrapResponse, request)

    def watch_peers(
        self,
        *,
        kinds: Iterable[int] = (),
        include_current: bool = False,
        timeout_s: float | None = None,
    ) -> Generator[discovery_pb2.WatchPeersResponse, None, None]:
        """Peer events as they happen. The stream has no deadline unless
        ``timeout_s`` is given; closing the iterator (``.close()``, leaving
        a ``for`` loop's generator) cancels the call."""
        request = discovery_pb2.WatchPeersRequest(
            kinds=list(kinds),  # type: ignore[arg-type]
            include_current=include_current,
        )
        rid = rq.new_request_id()
        call = self._stub.WatchPeers(
            request, timeout=timeout_s, metadata=((rq.REQUEST_ID_KEY, rid),)
        )
        try:
            yield from call
        except grpc.RpcError as exc:
            raise _error(exc, rid) from None
        finally:
            call.cancel()

    def status(self) -> discovery_pb2.GetStatusResponse:
        """Node id, addresses, routing table, peer counts and DHT counters."""
        return self._call.unary(
            self._stub.GetStatus, discovery_pb2.GetStatusResponse, discovery_pb2.GetStatusRequest()
        )

    def bootstrap_peers(self, *, limit: int = 0) -> discovery_pb2.GetBootstrapPeersResponse:
        """Live peers to join from, best first (``limit`` 0: 16)."""
        request = discovery_pb2.GetBootstrapPeersRequest(limit=limit)
        return self._call.unary(
            self._stub.GetBootstrapPeers, discovery_pb2.GetBootstrapPeersResponse, request
        )


class Client:
    """The three services, one channel per distinct endpoint."""

    def __init__(
        self,
        endpoints: Endpoints | None = None,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be positive, not {timeout_s}")
        self.endpoints = Endpoints.from_env() if endpoints is None else endpoints
        self.timeout_s = timeout_s
        options = channel_options(max_attempts)
        self._channels: dict[str, grpc.Channel] = {}
        for target in (self.endpoints.discovery, self.endpoints.handles, self.endpoints.content):
            if target not in self._channels:
                self._channels[target] = grpc.insecure_channel(target, options=options)
        self.discovery = DiscoveryClient(self._channels[self.endpoints.discovery], timeout_s)
        self.handles = HandlesClient(self._channels[self.endpoints.handles], timeout_s)
        self.content = ContentClient(self._channels[self.endpoints.content], timeout_s)

    def _channel_of(self, service: str) -> grpc.Channel:
        return self._channels[getattr(self.endpoints, service)]

    def health(self, service: str) -> str:
        """The health of ``service`` ("discovery", "handles" or "content"):
        "SERVING", "NOT_SERVING" or "SERVICE_UNKNOWN"; Unavailable when the
        service is down."""
        name = rq.health_name(service)
        caller = _Caller(self._channel_of(service), self.timeout_s)
        stub = health_pb2_grpc.HealthStub(caller.channel)
        try:
            request = health_pb2.HealthCheckRequest(service=name)
            answer = caller.unary(stub.Check, health_pb2.HealthCheckResponse, request)
        except NotFound:
            return "SERVICE_UNKNOWN"
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status))

    def close(self) -> None:
        """Close every channel; calls in flight are cancelled."""
        for channel in self._channels.values():
            channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
