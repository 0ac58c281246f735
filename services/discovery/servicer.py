"""The gRPC face of discovery: check the request shape, call Discovery,
map the result. Domain errors reach the client through the interceptor."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any, TypeVar

from ipndht.v1 import common_pb2, discovery_pb2, discovery_pb2_grpc
from services.core.errors import InvalidArgument
from services.discovery import constants as k
from services.discovery.discovery import Discovery
from services.discovery.model import EventKind, Peer, Source, State

E = TypeVar("E", Source, State, EventKind)


def to_proto(peer: Peer) -> common_pb2.Peer:
    return common_pb2.Peer(
        node_id=peer.node_id,
        host=peer.host,
        port=peer.port,
        source=int(peer.source),  # type: ignore[arg-type]
        state=int(peer.state),  # type: ignore[arg-type]
        first_seen_us=peer.first_seen_us,
        last_seen_us=peer.last_seen_us,
        failures=peer.failures,
        score=peer.score,
        rtt_ms=peer.rtt_ms,
    )


def _enums(values: Iterable[int], cls: type[E], field: str) -> list[E]:
    out: list[E] = []
    for value in values:
        try:
            out.append(cls(value))
        except ValueError:
            names = ", ".join(m.name for m in cls)
            raise InvalidArgument(f"{field} has unknown value {value}: use {names}") from None
    return out


class DiscoveryServicer(discovery_pb2_grpc.DiscoveryServiceServicer):
    def __init__(self, discovery: Discovery) -> None:
        self.d = discovery
        self._protos: dict[str, common_pb2.Peer] = {}
        self._protos_version = -1
        self._pages: dict[tuple[Any, ...], discovery_pb2.ListPeersResponse] = {}

    def _fresh(self) -> None:
        """Drop converted protos and pages when the book changed."""
        if self._protos_version != self.d.version:
            self._protos.clear()
            self._pages.clear()
            self._protos_version = self.d.version

    def _peer(self, peer: Peer) -> common_pb2.Peer:
        """The proto of a book snapshot, converted once per book version."""
        self._fresh()
        msg = self._protos.get(peer.key)
        if msg is None:
            msg = self._protos[peer.key] = to_proto(peer)
        return msg

    async def ListPeers(
        self, request: discovery_pb2.ListPeersRequest, context: Any
    ) -> discovery_pb2.ListPeersResponse:
        self._fresh()
        key = (
            tuple(request.sources),
            tuple(request.states),
            request.page_size,
            request.page_token,
        )
        cached = self._pages.get(key)
        if cached is not None:
            return cached
        page = self.d.list_peers(
            _enums(request.sources, Source, "sources"),
            _enums(request.states, State, "states"),
            request.page_size,
            request.page_token,
        )
        reply = discovery_pb2.ListPeersResponse(
            peers=[self._peer(p) for p in page.peers],
            next_page_token=page.next_token,
            total=page.total,
        )
        if len(self._pages) < k.LIST_CACHE_PAGES:
            self._pages[key] = reply
        return reply

    async def GetPeer(
        self, request: discovery_pb2.GetPeerRequest, context: Any
    ) -> discovery_pb2.GetPeerResponse:
        peer = self.d.get_peer(request.node_id, request.host, request.port)
        return discovery_pb2.GetPeerResponse(peer=to_proto(peer))

    async def AddPeers(
        self, request: discovery_pb2.AddPeersRequest, context: Any
    ) -> discovery_pb2.AddPeersResponse:
        peers = await self.d.add_peers([(p.host, p.port) for p in request.peers])
        return discovery_pb2.AddPeersResponse(peers=[to_proto(p) for p in peers])

    async def Bootstrap(
        self, request: discovery_pb2.BootstrapRequest, context: Any
    ) -> discovery_pb2.BootstrapResponse:
        result = await self.d.refresh(request.force_dns)
        return discovery_pb2.BootstrapResponse(
            peers=[to_proto(p) for p in result.peers],
            live_peers=result.live,
            dns_queried=result.dns_queried,
        )

    async def WatchPeers(
        self, request: discovery_pb2.WatchPeersRequest, context: Any
    ) -> AsyncIterator[discovery_pb2.WatchPeersResponse]:
        kinds = _enums(request.kinds, EventKind, "kinds")
        async for event in self.d.watch(kinds, request.include_current):
            yield discovery_pb2.WatchPeersResponse(
                kind=int(event.kind),  # type: ignore[arg-type]
                peer=to_proto(event.peer),
                at_us=event.at_us,
            )

    async def GetStatus(
        self, request: discovery_pb2.GetStatusRequest, context: Any
    ) -> discovery_pb2.GetStatusResponse:
        s = self.d.status()
        c = s.counters
        return discovery_pb2.GetStatusResponse(
            node_id=s.node_id,
            addresses=s.addresses,
            buckets=[
                discovery_pb2.BucketInfo(index=i, size=size, replacements=repl)
                for i, (size, repl) in enumerate(s.buckets)
            ],
            peers_by_source=[
                discovery_pb2.SourceCount(source=int(src), count=n)  # type: ignore[arg-type]
                for src, n in s.by_source.items()
            ],
            live_peers=s.live,
            min_peers=s.min_peers,
            min_peers_met=s.min_peers_met,
            uptime_s=s.uptime_s,
            counters=discovery_pb2.DhtCounters(
                lookups=c.get("lookups", 0),
                stores=c.get("stores_received", 0) + c.get("stores_accepted", 0),
                records_held=c.get("records_held", 0),
                rpc_failures=c.get("rpc_failures", 0),
                rejected=c.get("rejected_datagrams", 0)
                + c.get("throttled_datagrams", 0)
                + c.get("stores_refused", 0),
            ),
        )

    async def GetBootstrapPeers(
        self, request: discovery_pb2.GetBootstrapPeersRequest, context: Any
    ) -> discovery_pb2.GetBootstrapPeersResponse:
        peers = self.d.bootstrap_peers(request.limit)
        return discovery_pb2.GetBootstrapPeersResponse(peers=[to_proto(p) for p in peers])

    async def RegisterNode(
        self, request: discovery_pb2.RegisterNodeRequest, context: Any
    ) -> discovery_pb2.RegisterNodeResponse:
        peer = await self.d.register_node(
            request.host, request.port, request.node_id, request.service
        )
        return discovery_pb2.RegisterNodeResponse(peer=to_proto(peer))
