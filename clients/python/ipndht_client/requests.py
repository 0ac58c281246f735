"""Request building shared by the sync and asyncio clients.

Pure functions: they sign records (through ``handles`` and ``content``) and
fill request messages, so ``client.py`` and ``aio.py`` only differ in how
they wait for answers. Input the services would refuse anyway is refused
here with the SDK's ``InvalidArgument`` and the same message.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

from ipndht.v1 import common_pb2, content_pb2, discovery_pb2, handles_pb2
from ipndht_client import content as content_sdk
from ipndht_client import handles as handles_sdk
from ipndht_client.errors import InvalidArgument
from services.core import errors as domain
from services.core.records.keys import Ed25519PrivateKey

T = TypeVar("T")

#: Request metadata key the services read the request id from.
REQUEST_ID_KEY = "x-request-id"
#: Bytes of randomness in a client-made request id (16 hex digits, as the
#: services make theirs).
REQUEST_ID_BYTES = 8
#: gRPC service names used by health checks, by the SDK's service names.
HEALTH_NAMES = {
    "discovery": "ipndht.v1.DiscoveryService",
    "handles": "ipndht.v1.HandleRegistryService",
    "content": "ipndht.v1.ContentRoutingService",
}
#: Default resource lifetime when none is given: one hour.
DEFAULT_RESOURCE_TTL_S = 3600
#: Node ids are 20 bytes (Kademlia, SHA-1 sized).
NODE_ID_BYTES = 20


def new_request_id() -> str:
    """A fresh request id, sent with the call and echoed back by the service."""
    return os.urandom(REQUEST_ID_BYTES).hex()


def local(build: Callable[[], T]) -> T:
    """``build()``, with the services' own validation errors (raised by the
    shared helpers, e.g. a bad handle) turned into the SDK's InvalidArgument."""
    try:
        return build()
    except domain.IpndhtError as exc:
        raise InvalidArgument(exc.message) from None
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from None


def health_name(service: str) -> str:
    """The health-check service name of "discovery", "handles" or "content"."""
    try:
        return HEALTH_NAMES[service]
    except KeyError:
        names = ", ".join(HEALTH_NAMES)
        raise ValueError(f"unknown service {service!r}: use one of {names}") from None


# -- handles ---------------------------------------------------------------------


def register_request(
    key: Ed25519PrivateKey,
    handle: str,
    *,
    seq: int,
    addresses: Iterable[str],
    metadata: Mapping[str, str] | None,
    alias: str,
    period_s: int,
) -> handles_pb2.RegisterRequest:
    record = local(
        lambda: handles_sdk.register(
            key,
            handle,
            seq=seq,
            addresses=addresses,
            metadata=metadata,
            alias=alias,
            period_s=period_s,
        )
    )
    return handles_pb2.RegisterRequest(record=record)


def current_record(answer: handles_pb2.ResolveResponse, handle: str) -> common_pb2.SignedRecord:
    """The handle record of a Resolve answer (NotFound-like InvalidArgument
    when the query was not a handle)."""
    if not answer.HasField("record"):
        raise InvalidArgument(f"{handle!r} is not a handle or alias with a record")
    return answer.record


# -- content ---------------------------------------------------------------------


def provide_request(
    key: Ed25519PrivateKey,
    content: common_pb2.ContentHash,
    *,
    seq: int,
    size: int,
    handle: str,
    addresses: Iterable[str],
    ttl_s: int | None,
) -> content_pb2.ProvideRequest:
    record = local(
        lambda: content_sdk.provider_record(
            key,
            content,
            list(addresses),
            seq=seq,
            handle=handle,
            size_bytes=size,
            ttl_s=content_sdk.DEFAULT_TTL_S if ttl_s is None else ttl_s,
        )
    )
    return content_pb2.ProvideRequest(record=record)


def stop_request(
    key: Ed25519PrivateKey, content: common_pb2.ContentHash, *, seq: int
) -> content_pb2.StopProvidingRequest:
    record = local(lambda: content_sdk.withdrawal(key, content, seq=seq))
    return content_pb2.StopProvidingRequest(record=record)


def resource_request(
    key: Ed25519PrivateKey,
    type_: str,
    resource_id: str,
    *,
    seq: int,
    data: bytes,
    attributes: Mapping[str, str] | None,
    ttl_s: int | None,
) -> content_pb2.AnnounceResourceRequest:
    record = local(
        lambda: content_sdk.resource_record(
            key,
            type_,
            resource_id,
            data,
            attributes,
            seq=seq,
            ttl_s=DEFAULT_RESOURCE_TTL_S if ttl_s is None else ttl_s,
        )
    )
    return content_pb2.AnnounceResourceRequest(record=record)


def list_content_request(
    *, since_us: int, until_us: int, page_size: int, page_token: str, order: int
) -> content_pb2.ListContentRequest:
    return local(
        lambda: content_pb2.ListContentRequest(
            since_us=since_us,
            until_us=until_us,
            limit=page_size,
            page_token=page_token,
            order=order,  # type: ignore[arg-type]
        )
    )


def split_page(
    items: Sequence[content_pb2.ListContentResponse],
) -> tuple[list[content_pb2.ContentEntry], str]:
    """The entries of one ListContent page and its next-page token."""
    entries: list[content_pb2.ContentEntry] = []
    token = ""
    for item in items:
        if item.HasField("entry"):
            entries.append(item.entry)
        elif item.HasField("page"):
            token = item.page.next_page_token
    return entries, token


# -- discovery -------------------------------------------------------------------


def peer_address(text: str) -> discovery_pb2.PeerAddress:
    """``"host:port"`` or ``"[v6]:port"`` as a PeerAddress; InvalidArgument
    naming the entry when it is not one."""
    host, sep, port = text.strip().rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not sep or not host or not (port.isascii() and port.isdigit()):
        raise InvalidArgument(f"bad peer address {text!r}: expected host:port")
    number = int(port)
    if not 1 <= number <= 65535:
        raise InvalidArgument(f"bad peer address {text!r}: the port must be 1..65535")
    return discovery_pb2.PeerAddress(host=host, port=number)


def add_peers_request(addresses: Sequence[str]) -> discovery_pb2.AddPeersRequest:
    if isinstance(addresses, str):
        raise InvalidArgument("add_peers takes a list of host:port strings, not one string")
    return discovery_pb2.AddPeersRequest(peers=[peer_address(a) for a in addresses])


def node_id_bytes(node_id: bytes | str) -> bytes:
    """A node id given as bytes or hex."""
    if isinstance(node_id, bytes):
        return node_id
    try:
        raw = bytes.fromhex(node_id)
    except ValueError:
        raise InvalidArgument(f"bad node id {node_id!r}: expected hex") from None
    return raw


def get_peer_request(node_id: bytes | str, host: str, port: int) -> discovery_pb2.GetPeerRequest:
    return discovery_pb2.GetPeerRequest(node_id=node_id_bytes(node_id), host=host, port=port)
