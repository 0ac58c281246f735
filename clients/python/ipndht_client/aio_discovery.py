"""The asyncio discovery client (``ipndht.v1.DiscoveryService``); see
``aio.py`` for the conventions every call follows.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable, Sequence

import grpc

from ipndht.v1 import (
    discovery_pb2,
    discovery_pb2_grpc,
)
from ipndht_client import requests as rq
from ipndht_client.calls import AsyncCaller, error_with_id


class AsyncDiscoveryClient:
    """Discovery (``ipndht.v1.DiscoveryService``)."""

    def __init__(self, channel: grpc.aio.Channel, timeout_s: float) -> None:
        self._call = AsyncCaller(channel, timeout_s)
        self._stub = discovery_pb2_grpc.DiscoveryServiceStub(channel)

    async def list_peers(
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
        return await self._call.unary(
            self._stub.ListPeers, discovery_pb2.ListPeersResponse, request
        )

    async def get_peer(
        self, node_id: bytes | str = b"", *, host: str = "", port: int = 0
    ) -> discovery_pb2.GetPeerResponse:
        """One peer by node id (bytes or hex), or by ``host`` and ``port``."""
        request = rq.get_peer_request(node_id, host, port)
        return await self._call.unary(self._stub.GetPeer, discovery_pb2.GetPeerResponse, request)

    async def add_peers(self, addresses: Sequence[str]) -> discovery_pb2.AddPeersResponse:
        """Add ``host:port`` peers by hand; each is pinged once."""
        return await self._call.unary(
            self._stub.AddPeers, discovery_pb2.AddPeersResponse, rq.add_peers_request(addresses)
        )

    async def bootstrap(self, *, force_dns: bool = False) -> discovery_pb2.BootstrapResponse:
        """Refresh the peers from every source now."""
        request = discovery_pb2.BootstrapRequest(force_dns=force_dns)
        return await self._call.unary(
            self._stub.Bootstrap, discovery_pb2.BootstrapResponse, request
        )

    async def watch_peers(
        self,
        *,
        kinds: Iterable[int] = (),
        include_current: bool = False,
        timeout_s: float | None = None,
    ) -> AsyncGenerator[discovery_pb2.WatchPeersResponse, None]:
        """Peer events as they happen. The stream has no deadline unless
        ``timeout_s`` is given; closing the iterator (``await .aclose()``)
        cancels the call."""
        request = discovery_pb2.WatchPeersRequest(
            kinds=list(kinds),  # type: ignore[arg-type]
            include_current=include_current,
        )
        rid = rq.new_request_id()
        call = self._stub.WatchPeers(
            request, timeout=timeout_s, metadata=((rq.REQUEST_ID_KEY, rid),)
        )
        try:
            async for item in call:
                yield item
        except grpc.RpcError as exc:
            raise error_with_id(exc, rid) from None
        finally:
            call.cancel()

    async def status(self) -> discovery_pb2.GetStatusResponse:
        """Node id, addresses, routing table, peer counts and DHT counters."""
        return await self._call.unary(
            self._stub.GetStatus, discovery_pb2.GetStatusResponse, discovery_pb2.GetStatusRequest()
        )

    async def bootstrap_peers(self, *, limit: int = 0) -> discovery_pb2.GetBootstrapPeersResponse:
        """Live peers to join from, best first (``limit`` 0: 16)."""
        request = discovery_pb2.GetBootstrapPeersRequest(limit=limit)
        return await self._call.unary(
            self._stub.GetBootstrapPeers, discovery_pb2.GetBootstrapPeersResponse, request
        )
