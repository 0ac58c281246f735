from ipndht.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PeerEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PEER_EVENT_KIND_UNSPECIFIED: _ClassVar[PeerEventKind]
    PEER_EVENT_KIND_JOINED: _ClassVar[PeerEventKind]
    PEER_EVENT_KIND_LEFT: _ClassVar[PeerEventKind]
    PEER_EVENT_KIND_UPDATED: _ClassVar[PeerEventKind]
PEER_EVENT_KIND_UNSPECIFIED: PeerEventKind
PEER_EVENT_KIND_JOINED: PeerEventKind
PEER_EVENT_KIND_LEFT: PeerEventKind
PEER_EVENT_KIND_UPDATED: PeerEventKind

class ListPeersRequest(_message.Message):
    __slots__ = ("sources", "states", "page_size", "page_token")
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    sources: _containers.RepeatedScalarFieldContainer[_common_pb2.PeerSource]
    states: _containers.RepeatedScalarFieldContainer[_common_pb2.PeerState]
    page_size: int
    page_token: str
    def __init__(self, sources: _Optional[_Iterable[_Union[_common_pb2.PeerSource, str]]] = ..., states: _Optional[_Iterable[_Union[_common_pb2.PeerState, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPeersResponse(_message.Message):
    __slots__ = ("peers", "next_page_token", "total")
    PEERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    peers: _containers.RepeatedCompositeFieldContainer[_common_pb2.Peer]
    next_page_token: str
    total: int
    def __init__(self, peers: _Optional[_Iterable[_Union[_common_pb2.Peer, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class GetPeerRequest(_message.Message):
    __slots__ = ("node_id", "host", "port")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    PORT_FIELD_NUMBER: _ClassVar[int]
    node_id: bytes
    host: str
    port: int
    def __init__(self, node_id: _Optional[bytes] = ..., host: _Optional[str] = ..., port: _Optional[int] = ...) -> None: ...

class GetPeerResponse(_message.Message):
    __slots__ = ("peer",)
    PEER_FIELD_NUMBER: _ClassVar[int]
    peer: _common_pb2.Peer
    def __init__(self, peer: _Optional[_Union[_common_pb2.Peer, _Mapping]] = ...) -> None: ...

class PeerAddress(_message.Message):
    __slots__ = ("host", "port")
    HOST_FIELD_NUMBER: _ClassVar[int]
    PORT_FIELD_NUMBER: _ClassVar[int]
    host: str
    port: int
    def __init__(self, host: _Optional[str] = ..., port: _Optional[int] = ...) -> None: ...

class AddPeersRequest(_message.Message):
    __slots__ = ("peers",)
    PEERS_FIELD_NUMBER: _ClassVar[int]
    peers: _containers.RepeatedCompositeFieldContainer[PeerAddress]
    def __init__(self, peers: _Optional[_Iterable[_Union[PeerAddress, _Mapping]]] = ...) -> None: ...

class AddPeersResponse(_message.Message):
    __slots__ = ("peers",)
    PEERS_FIELD_NUMBER: _ClassVar[int]
    peers: _containers.RepeatedCompositeFieldContainer[_common_pb2.Peer]
    def __init__(self, peers: _Optional[_Iterable[_Union[_common_pb2.Peer, _Mapping]]] = ...) -> None: ...

class BootstrapRequest(_message.Message):
    __slots__ = ("force_dns",)
    FORCE_DNS_FIELD_NUMBER: _ClassVar[int]
    force_dns: bool
    def __init__(self, force_dns: _Optional[bool] = ...) -> None: ...

class BootstrapResponse(_message.Message):
    __slots__ = ("peers", "live_peers", "dns_queried")
    PEERS_FIELD_NUMBER: _ClassVar[int]
    LIVE_PEERS_FIELD_NUMBER: _ClassVar[int]
    DNS_QUERIED_FIELD_NUMBER: _ClassVar[int]
    peers: _containers.RepeatedCompositeFieldContainer[_common_pb2.Peer]
    live_peers: int
    dns_queried: bool
    def __init__(self, peers: _Optional[_Iterable[_Union[_common_pb2.Peer, _Mapping]]] = ..., live_peers: _Optional[int] = ..., dns_queried: _Optional[bool] = ...) -> None: ...

class WatchPeersRequest(_message.Message):
    __slots__ = ("kinds", "include_current")
    KINDS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_CURRENT_FIELD_NUMBER: _ClassVar[int]
    kinds: _containers.RepeatedScalarFieldContainer[PeerEventKind]
    include_current: bool
    def __init__(self, kinds: _Optional[_Iterable[_Union[PeerEventKind, str]]] = ..., include_current: _Optional[bool] = ...) -> None: ...

class WatchPeersResponse(_message.Message):
    __slots__ = ("kind", "peer", "at_us")
    KIND_FIELD_NUMBER: _ClassVar[int]
    PEER_FIELD_NUMBER: _ClassVar[int]
    AT_US_FIELD_NUMBER: _ClassVar[int]
    kind: PeerEventKind
    peer: _common_pb2.Peer
    at_us: int
    def __init__(self, kind: _Optional[_Union[PeerEventKind, str]] = ..., peer: _Optional[_Union[_common_pb2.Peer, _Mapping]] = ..., at_us: _Optional[int] = ...) -> None: ...

class GetStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class BucketInfo(_message.Message):
    __slots__ = ("index", "size", "replacements")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    REPLACEMENTS_FIELD_NUMBER: _ClassVar[int]
    index: int
    size: int
    replacements: int
    def __init__(self, index: _Optional[int] = ..., size: _Optional[int] = ..., replacements: _Optional[int] = ...) -> None: ...

class DhtCounters(_message.Message):
    __slots__ = ("lookups", "stores", "records_held", "rpc_failures", "rejected")
    LOOKUPS_FIELD_NUMBER: _ClassVar[int]
    STORES_FIELD_NUMBER: _ClassVar[int]
    RECORDS_HELD_FIELD_NUMBER: _ClassVar[int]
    RPC_FAILURES_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    lookups: int
    stores: int
    records_held: int
    rpc_failures: int
    rejected: int
    def __init__(self, lookups: _Optional[int] = ..., stores: _Optional[int] = ..., records_held: _Optional[int] = ..., rpc_failures: _Optional[int] = ..., rejected: _Optional[int] = ...) -> None: ...

class SourceCount(_message.Message):
    __slots__ = ("source", "count")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    source: _common_pb2.PeerSource
    count: int
    def __init__(self, source: _Optional[_Union[_common_pb2.PeerSource, str]] = ..., count: _Optional[int] = ...) -> None: ...

class GetStatusResponse(_message.Message):
    __slots__ = ("node_id", "addresses", "buckets", "peers_by_source", "live_peers", "min_peers", "min_peers_met", "uptime_s", "counters")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    BUCKETS_FIELD_NUMBER: _ClassVar[int]
    PEERS_BY_SOURCE_FIELD_NUMBER: _ClassVar[int]
    LIVE_PEERS_FIELD_NUMBER: _ClassVar[int]
    MIN_PEERS_FIELD_NUMBER: _ClassVar[int]
    MIN_PEERS_MET_FIELD_NUMBER: _ClassVar[int]
    UPTIME_S_FIELD_NUMBER: _ClassVar[int]
    COUNTERS_FIELD_NUMBER: _ClassVar[int]
    node_id: bytes
    addresses: _containers.RepeatedScalarFieldContainer[str]
    buckets: _containers.RepeatedCompositeFieldContainer[BucketInfo]
    peers_by_source: _containers.RepeatedCompositeFieldContainer[SourceCount]
    live_peers: int
    min_peers: int
    min_peers_met: bool
    uptime_s: float
    counters: DhtCounters
    def __init__(self, node_id: _Optional[bytes] = ..., addresses: _Optional[_Iterable[str]] = ..., buckets: _Optional[_Iterable[_Union[BucketInfo, _Mapping]]] = ..., peers_by_source: _Optional[_Iterable[_Union[SourceCount, _Mapping]]] = ..., live_peers: _Optional[int] = ..., min_peers: _Optional[int] = ..., min_peers_met: _Optional[bool] = ..., uptime_s: _Optional[float] = ..., counters: _Optional[_Union[DhtCounters, _Mapping]] = ...) -> None: ...

class GetBootstrapPeersRequest(_message.Message):
    __slots__ = ("limit",)
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    limit: int
    def __init__(self, limit: _Optional[int] = ...) -> None: ...

class GetBootstrapPeersResponse(_message.Message):
    __slots__ = ("peers",)
    PEERS_FIELD_NUMBER: _ClassVar[int]
    peers: _containers.RepeatedCompositeFieldContainer[_common_pb2.Peer]
    def __init__(self, peers: _Optional[_Iterable[_Union[_common_pb2.Peer, _Mapping]]] = ...) -> None: ...

class RegisterNodeRequest(_message.Message):
    __slots__ = ("host", "port", "node_id", "service")
    HOST_FIELD_NUMBER: _ClassVar[int]
    PORT_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    host: str
    port: int
    node_id: bytes
    service: str
    def __init__(self, host: _Optional[str] = ..., port: _Optional[int] = ..., node_id: _Optional[bytes] = ..., service: _Optional[str] = ...) -> None: ...

class RegisterNodeResponse(_message.Message):
    __slots__ = ("peer",)
    PEER_FIELD_NUMBER: _ClassVar[int]
    peer: _common_pb2.Peer
    def __init__(self, peer: _Optional[_Union[_common_pb2.Peer, _Mapping]] = ...) -> None: ...
