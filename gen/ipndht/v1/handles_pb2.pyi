from ipndht.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class HandleOperation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HANDLE_OPERATION_UNSPECIFIED: _ClassVar[HandleOperation]
    HANDLE_OPERATION_REGISTER: _ClassVar[HandleOperation]
    HANDLE_OPERATION_UPDATE: _ClassVar[HandleOperation]
    HANDLE_OPERATION_TRANSFER: _ClassVar[HandleOperation]
    HANDLE_OPERATION_RENEW: _ClassVar[HandleOperation]
    HANDLE_OPERATION_RELEASE: _ClassVar[HandleOperation]

class ResolveSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESOLVE_SOURCE_UNSPECIFIED: _ClassVar[ResolveSource]
    RESOLVE_SOURCE_CACHE: _ClassVar[ResolveSource]
    RESOLVE_SOURCE_DHT: _ClassVar[ResolveSource]
    RESOLVE_SOURCE_LOCAL: _ClassVar[ResolveSource]
    RESOLVE_SOURCE_DIRECT: _ClassVar[ResolveSource]

class QueryKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUERY_KIND_UNSPECIFIED: _ClassVar[QueryKind]
    QUERY_KIND_HANDLE: _ClassVar[QueryKind]
    QUERY_KIND_PUBLIC_KEY: _ClassVar[QueryKind]
    QUERY_KIND_ALIAS: _ClassVar[QueryKind]
HANDLE_OPERATION_UNSPECIFIED: HandleOperation
HANDLE_OPERATION_REGISTER: HandleOperation
HANDLE_OPERATION_UPDATE: HandleOperation
HANDLE_OPERATION_TRANSFER: HandleOperation
HANDLE_OPERATION_RENEW: HandleOperation
HANDLE_OPERATION_RELEASE: HandleOperation
RESOLVE_SOURCE_UNSPECIFIED: ResolveSource
RESOLVE_SOURCE_CACHE: ResolveSource
RESOLVE_SOURCE_DHT: ResolveSource
RESOLVE_SOURCE_LOCAL: ResolveSource
RESOLVE_SOURCE_DIRECT: ResolveSource
QUERY_KIND_UNSPECIFIED: QueryKind
QUERY_KIND_HANDLE: QueryKind
QUERY_KIND_PUBLIC_KEY: QueryKind
QUERY_KIND_ALIAS: QueryKind

class HandleRecord(_message.Message):
    __slots__ = ("handle", "owner_key", "target_key", "addresses", "metadata", "operation", "alias")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    OWNER_KEY_FIELD_NUMBER: _ClassVar[int]
    TARGET_KEY_FIELD_NUMBER: _ClassVar[int]
    ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    ALIAS_FIELD_NUMBER: _ClassVar[int]
    handle: str
    owner_key: bytes
    target_key: bytes
    addresses: _containers.RepeatedScalarFieldContainer[str]
    metadata: _containers.ScalarMap[str, str]
    operation: HandleOperation
    alias: str
    def __init__(self, handle: _Optional[str] = ..., owner_key: _Optional[bytes] = ..., target_key: _Optional[bytes] = ..., addresses: _Optional[_Iterable[str]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., operation: _Optional[_Union[HandleOperation, str]] = ..., alias: _Optional[str] = ...) -> None: ...

class RegisterRequest(_message.Message):
    __slots__ = ("record",)
    RECORD_FIELD_NUMBER: _ClassVar[int]
    record: _common_pb2.SignedRecord
    def __init__(self, record: _Optional[_Union[_common_pb2.SignedRecord, _Mapping]] = ...) -> None: ...

class RegisterResponse(_message.Message):
    __slots__ = ("record", "holders")
    RECORD_FIELD_NUMBER: _ClassVar[int]
    HOLDERS_FIELD_NUMBER: _ClassVar[int]
    record: _common_pb2.SignedRecord
    holders: int
    def __init__(self, record: _Optional[_Union[_common_pb2.SignedRecord, _Mapping]] = ..., holders: _Optional[int] = ...) -> None: ...

class UpdateRequest(_message.Message):
    __slots__ = ("record",)
    RECORD_FIELD_NUMBER: _ClassVar[int]
    record: _common_pb2.SignedRecord
    def __init__(self, record: _Optional[_Union[_common_pb2.SignedRecord, _Mapping]] = ...) -> None: ...

class UpdateResponse(_message.Message):
    __slots__ = ("record", "holders")
    RECORD_FIELD_NUMBER: _ClassVar[int]
    HOLDERS_FIELD_NUMBER: _ClassVar[int]
    record: _common_pb2.SignedRecord
    holders: int
    def __init__(self, record: _Optional[_Union[_common_pb2.SignedRecord, _Mapping]] = ..., holders: _Optional[int] = ...) -> None: ...

class TransferRequest(_message.Message):
    __slots__ = ("record",)
    RECORD_FIELD_NUMBER: _ClassVar[int]
    record: _common_pb2.SignedRecord
    def __init__(self, record: _Optional[_Union[_common_pb2.SignedRecord, _Mapping]] = ...) -> None: ...

class TransferResponse(_message.Message):
    __slots__ = ("record", "holders")
    RECORD_FIELD_NUMBER: _ClassVar[int]
    HOLDERS_FIELD_NUMBER: _ClassVar[int]
    record: _common_pb2.SignedRecord
    holders: int
    def __init__(self, record: _Optional[_Union[_common_pb2.SignedRecord, _Mapping]] = ..., holders: _Optional[int] = ...) -> None: ...

class RenewRequest(_message.Message):
    __slots__ = ("record",)
    RECORD_FIELD_NUMBER: _ClassVar[int]
    record: _common_pb2.SignedRecord
    def __init__(self, record: _Optional[_Union[_common_pb2.SignedRecord, _Mapping]] = ...) -> None: ...

class RenewResponse(_message.Message):
    __slots__ = ("record", "holders")
    RECORD_FIELD_NUMBER: _ClassVar[int]
    HOLDERS_FIELD_NUMBER: _ClassVar[int]
    record: _common_pb2.SignedRecord
    holders: int
    def __init__(self, record: _Optional[_Union[_common_pb2.SignedRecord, _Mapping]] = ..., holders: _Optional[int] = ...) -> None: ...

class ReleaseRequest(_message.Message):
    __slots__ = ("record",)
    RECORD_FIELD_NUMBER: _ClassVar[int]
    record: _common_pb2.SignedRecord
    def __init__(self, record: _Optional[_Union[_common_pb2.SignedRecord, _Mapping]] = ...) -> None: ...

class ReleaseResponse(_message.Message):
    __slots__ = ("record", "holders")
    RECORD_FIELD_NUMBER: _ClassVar[int]
    HOLDERS_FIELD_NUMBER: _ClassVar[int]
    record: _common_pb2.SignedRecord
    holders: int
    def __init__(self, record: _Optional[_Union[_common_pb2.SignedRecord, _Mapping]] = ..., holders: _Optional[int] = ...) -> None: ...

class ResolveRequest(_message.Message):
    __slots__ = ("query",)
    QUERY_FIELD_NUMBER: _ClassVar[int]
    query: str
    def __init__(self, query: _Optional[str] = ...) -> None: ...

class ResolveResponse(_message.Message):
    __slots__ = ("kind", "public_key", "handle", "record", "source", "owned_handles")
    KIND_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    OWNED_HANDLES_FIELD_NUMBER: _ClassVar[int]
    kind: QueryKind
    public_key: bytes
    handle: str
    record: _common_pb2.SignedRecord
    source: ResolveSource
    owned_handles: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, kind: _Optional[_Union[QueryKind, str]] = ..., public_key: _Optional[bytes] = ..., handle: _Optional[str] = ..., record: _Optional[_Union[_common_pb2.SignedRecord, _Mapping]] = ..., source: _Optional[_Union[ResolveSource, str]] = ..., owned_handles: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchResolveRequest(_message.Message):
    __slots__ = ("queries",)
    QUERIES_FIELD_NUMBER: _ClassVar[int]
    queries: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, queries: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchResolveResult(_message.Message):
    __slots__ = ("query", "code", "message", "result")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    query: str
    code: int
    message: str
    result: ResolveResponse
    def __init__(self, query: _Optional[str] = ..., code: _Optional[int] = ..., message: _Optional[str] = ..., result: _Optional[_Union[ResolveResponse, _Mapping]] = ...) -> None: ...

class BatchResolveResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[BatchResolveResult]
    def __init__(self, results: _Optional[_Iterable[_Union[BatchResolveResult, _Mapping]]] = ...) -> None: ...

class GetHistoryRequest(_message.Message):
    __slots__ = ("handle", "page_size", "page_token")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    handle: str
    page_size: int
    page_token: str
    def __init__(self, handle: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class GetHistoryResponse(_message.Message):
    __slots__ = ("records", "next_page_token")
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[_common_pb2.SignedRecord]
    next_page_token: str
    def __init__(self, records: _Optional[_Iterable[_Union[_common_pb2.SignedRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetRegistrarInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetRegistrarInfoResponse(_message.Message):
    __slots__ = ("registrar_key", "trusted_registrars", "registration_period_s", "grace_period_s")
    REGISTRAR_KEY_FIELD_NUMBER: _ClassVar[int]
    TRUSTED_REGISTRARS_FIELD_NUMBER: _ClassVar[int]
    REGISTRATION_PERIOD_S_FIELD_NUMBER: _ClassVar[int]
    GRACE_PERIOD_S_FIELD_NUMBER: _ClassVar[int]
    registrar_key: bytes
    trusted_registrars: _containers.RepeatedScalarFieldContainer[bytes]
    registration_period_s: int
    grace_period_s: int
    def __init__(self, registrar_key: _Optional[bytes] = ..., trusted_registrars: _Optional[_Iterable[bytes]] = ..., registration_period_s: _Optional[int] = ..., grace_period_s: _Optional[int] = ...) -> None: ...
