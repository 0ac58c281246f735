from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PeerSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PEER_SOURCE_UNSPECIFIED: _ClassVar[PeerSource]
    PEER_SOURCE_BOOTSTRAP: _ClassVar[PeerSource]
    PEER_SOURCE_DNS_SEED: _ClassVar[PeerSource]
    PEER_SOURCE_CACHE: _ClassVar[PeerSource]
    PEER_SOURCE_ROUTING_TABLE: _ClassVar[PeerSource]
    PEER_SOURCE_EXCHANGE: _ClassVar[PeerSource]
    PEER_SOURCE_MANUAL: _ClassVar[PeerSource]

class PeerState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PEER_STATE_UNSPECIFIED: _ClassVar[PeerState]
    PEER_STATE_LIVE: _ClassVar[PeerState]
    PEER_STATE_SUSPECT: _ClassVar[PeerState]
    PEER_STATE_DEAD: _ClassVar[PeerState]

class HashAlgorithm(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HASH_ALGORITHM_UNSPECIFIED: _ClassVar[HashAlgorithm]
    HASH_ALGORITHM_SHA2_256: _ClassVar[HashAlgorithm]
    HASH_ALGORITHM_BLAKE3: _ClassVar[HashAlgorithm]
PEER_SOURCE_UNSPECIFIED: PeerSource
PEER_SOURCE_BOOTSTRAP: PeerSource
PEER_SOURCE_DNS_SEED: PeerSource
PEER_SOURCE_CACHE: PeerSource
PEER_SOURCE_ROUTING_TABLE: PeerSource
PEER_SOURCE_EXCHANGE: PeerSource
PEER_SOURCE_MANUAL: PeerSource
PEER_STATE_UNSPECIFIED: PeerState
PEER_STATE_LIVE: PeerState
PEER_STATE_SUSPECT: PeerState
PEER_STATE_DEAD: PeerState
HASH_ALGORITHM_UNSPECIFIED: HashAlgorithm
HASH_ALGORITHM_SHA2_256: HashAlgorithm
HASH_ALGORITHM_BLAKE3: HashAlgorithm

class SignedRecord(_message.Message):
    __slots__ = ("namespace", "key", "value", "signer", "seq", "issued_at_us", "expires_at_us", "signature", "countersignatures")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SIGNER_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_US_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_US_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    COUNTERSIGNATURES_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    key: bytes
    value: bytes
    signer: bytes
    seq: int
    issued_at_us: int
    expires_at_us: int
    signature: bytes
    countersignatures: _containers.RepeatedCompositeFieldContainer[Countersignature]
    def __init__(self, namespace: _Optional[str] = ..., key: _Optional[bytes] = ..., value: _Optional[bytes] = ..., signer: _Optional[bytes] = ..., seq: _Optional[int] = ..., issued_at_us: _Optional[int] = ..., expires_at_us: _Optional[int] = ..., signature: _Optional[bytes] = ..., countersignatures: _Optional[_Iterable[_Union[Countersignature, _Mapping]]] = ...) -> None: ...

class Countersignature(_message.Message):
    __slots__ = ("signer", "signature")
    SIGNER_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    signer: bytes
    signature: bytes
    def __init__(self, signer: _Optional[bytes] = ..., signature: _Optional[bytes] = ...) -> None: ...

class Peer(_message.Message):
    __slots__ = ("node_id", "host", "port", "source", "state", "first_seen_us", "last_seen_us", "failures", "score", "rtt_ms")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    PORT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FIRST_SEEN_US_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_US_FIELD_NUMBER: _ClassVar[int]
    FAILURES_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    RTT_MS_FIELD_NUMBER: _ClassVar[int]
    node_id: bytes
    host: str
    port: int
    source: PeerSource
    state: PeerState
    first_seen_us: int
    last_seen_us: int
    failures: int
    score: float
    rtt_ms: float
    def __init__(self, node_id: _Optional[bytes] = ..., host: _Optional[str] = ..., port: _Optional[int] = ..., source: _Optional[_Union[PeerSource, str]] = ..., state: _Optional[_Union[PeerState, str]] = ..., first_seen_us: _Optional[int] = ..., last_seen_us: _Optional[int] = ..., failures: _Optional[int] = ..., score: _Optional[float] = ..., rtt_ms: _Optional[float] = ...) -> None: ...

class ContentHash(_message.Message):
    __slots__ = ("algorithm", "digest")
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    algorithm: HashAlgorithm
    digest: bytes
    def __init__(self, algorithm: _Optional[_Union[HashAlgorithm, str]] = ..., digest: _Optional[bytes] = ...) -> None: ...

class HashTimer(_message.Message):
    __slots__ = ("hex", "time_us")
    HEX_FIELD_NUMBER: _ClassVar[int]
    TIME_US_FIELD_NUMBER: _ClassVar[int]
    hex: str
    time_us: int
    def __init__(self, hex: _Optional[str] = ..., time_us: _Optional[int] = ...) -> None: ...

class ProviderRecord(_message.Message):
    __slots__ = ("content", "addresses", "handle", "hash_timer", "size_bytes", "withdrawn")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    HASH_TIMER_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    WITHDRAWN_FIELD_NUMBER: _ClassVar[int]
    content: ContentHash
    addresses: _containers.RepeatedScalarFieldContainer[str]
    handle: str
    hash_timer: HashTimer
    size_bytes: int
    withdrawn: bool
    def __init__(self, content: _Optional[_Union[ContentHash, _Mapping]] = ..., addresses: _Optional[_Iterable[str]] = ..., handle: _Optional[str] = ..., hash_timer: _Optional[_Union[HashTimer, _Mapping]] = ..., size_bytes: _Optional[int] = ..., withdrawn: _Optional[bool] = ...) -> None: ...

class PageInfo(_message.Message):
    __slots__ = ("next_page_token", "count")
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    count: int
    def __init__(self, next_page_token: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...
