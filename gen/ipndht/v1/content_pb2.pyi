from ipndht.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIST_ORDER_UNSPECIFIED: _ClassVar[ListOrder]
    LIST_ORDER_ASCENDING: _ClassVar[ListOrder]
    LIST_ORDER_DESCENDING: _ClassVar[ListOrder]
LIST_ORDER_UNSPECIFIED: ListOrder
LIST_ORDER_ASCENDING: ListOrder
LIST_ORDER_DESCENDING: ListOrder

class ProvideRequest(_message.Message):
    __slots__ = ("record",)
    RECORD_FIELD_NUMBER: _ClassVar[int]
    record: _common_pb2.SignedRecord
    def __init__(self, record: _Optional[_Union[_common_pb2.SignedRecord, _Mapping]] = ...) -> None: ...

class ProvideResponse(_message.Message):
    __slots__ = ("hash_timer", "holders", "expires_at_us")
    HASH_TIMER_FIELD_NUMBER: _ClassVar[int]
    HOLDERS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_US_FIELD_NUMBER: _ClassVar[int]
    hash_timer: _common_pb2.HashTimer
    holders: int
    expires_at_us: int
    def __init__(self, hash_timer: _Optional[_Union[_common_pb2.HashTimer, _Mapping]] = ..., holders: _Optional[int] = ..., expires_at_us: _Optional[int] = ...) -> None: ...

class StopProvidingRequest(_message.Message):
    __slots__ = ("record",)
    RECORD_FIELD_NUMBER: _ClassVar[int]
    record: _common_pb2.SignedRecord
    def __init__(self, record: _Optional[_Union[_common_pb2.SignedRecord, _Mapping]] = ...) -> None: ...

class StopProvidingResponse(_message.Message):
    __slots__ = ("holders",)
    HOLDERS_FIELD_NUMBER: _ClassVar[int]
    holders: int
    def __init__(self, holders: _Optional[int] = ...) -> None: ...

class FindProvidersRequest(_message.Message):
    __slots__ = ("content", "limit")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    content: _common_pb2.ContentHash
    limit: int
    def __init__(self, content: _Optional[_Union[_common_pb2.ContentHash, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class FindProvidersResponse(_message.Message):
    __slots__ = ("provider_key", "provider", "record")
    PROVIDER_KEY_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    provider_key: bytes
    provider: _common_pb2.ProviderRecord
    record: _common_pb2.SignedRecord
    def __init__(self, provider_key: _Optional[bytes] = ..., provider: _Optional[_Union[_common_pb2.ProviderRecord, _Mapping]] = ..., record: _Optional[_Union[_common_pb2.SignedRecord, _Mapping]] = ...) -> None: ...

class ListContentRequest(_message.Message):
    __slots__ = ("since_us", "until_us", "limit", "page_token", "order")
    SINCE_US_FIELD_NUMBER: _ClassVar[int]
    UNTIL_US_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    since_us: int
    until_us: int
    limit: int
    page_token: str
    order: ListOrder
    def __init__(self, since_us: _Optional[int] = ..., until_us: _Optional[int] = ..., limit: _Optional[int] = ..., page_token: _Optional[str] = ..., order: _Optional[_Union[ListOrder, str]] = ...) -> None: ...

class ContentEntry(_message.Message):
    __slots__ = ("hash_timer", "content", "provider_key", "handle")
    HASH_TIMER_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_KEY_FIELD_NUMBER: _ClassVar[int]
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    hash_timer: _common_pb2.HashTimer
    content: _common_pb2.ContentHash
    provider_key: bytes
    handle: str
    def __init__(self, hash_timer: _Optional[_Union[_common_pb2.HashTimer, _Mapping]] = ..., content: _Optional[_Union[_common_pb2.ContentHash, _Mapping]] = ..., provider_key: _Optional[bytes] = ..., handle: _Optional[str] = ...) -> None: ...

class ListContentResponse(_message.Message):
    __slots__ = ("entry", "page")
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    entry: ContentEntry
    page: _common_pb2.PageInfo
    def __init__(self, entry: _Optional[_Union[ContentEntry, _Mapping]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class ResourceRecord(_message.Message):
    __slots__ = ("type", "id", "data", "attributes")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    type: str
    id: str
    data: bytes
    attributes: _containers.ScalarMap[str, str]
    def __init__(self, type: _Optional[str] = ..., id: _Optional[str] = ..., data: _Optional[bytes] = ..., attributes: _Optional[_Mapping[str, str]] = ...) -> None: ...

class AnnounceResourceRequest(_message.Message):
    __slots__ = ("record",)
    RECORD_FIELD_NUMBER: _ClassVar[int]
    record: _common_pb2.SignedRecord
    def __init__(self, record: _Optional[_Union[_common_pb2.SignedRecord, _Mapping]] = ...) -> None: ...

class AnnounceResourceResponse(_message.Message):
    __slots__ = ("holders", "hash_timer")
    HOLDERS_FIELD_NUMBER: _ClassVar[int]
    HASH_TIMER_FIELD_NUMBER: _ClassVar[int]
    holders: int
    hash_timer: _common_pb2.HashTimer
    def __init__(self, holders: _Optional[int] = ..., hash_timer: _Optional[_Union[_common_pb2.HashTimer, _Mapping]] = ...) -> None: ...

class DiscoverResourcesRequest(_message.Message):
    __slots__ = ("type", "filters", "limit")
    class FiltersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    type: str
    filters: _containers.ScalarMap[str, str]
    limit: int
    def __init__(self, type: _Optional[str] = ..., filters: _Optional[_Mapping[str, str]] = ..., limit: _Optional[int] = ...) -> None: ...

class DiscoverResourcesResponse(_message.Message):
    __slots__ = ("announcer_key", "resource", "record")
    ANNOUNCER_KEY_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    announcer_key: bytes
    resource: ResourceRecord
    record: _common_pb2.SignedRecord
    def __init__(self, announcer_key: _Optional[bytes] = ..., resource: _Optional[_Union[ResourceRecord, _Mapping]] = ..., record: _Optional[_Union[_common_pb2.SignedRecord, _Mapping]] = ...) -> None: ...
