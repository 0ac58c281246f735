"""Hypothesis strategies for any protobuf message, built from its descriptor.

Scalars are drawn at random and at their extremes: strings with non-ASCII
and huge ones, bytes of the sizes the contract uses (20, 32, 64) and huge
ones, integers at the limits of their wire type, floats including NaN and
infinities, enum numbers including unknown ones. ``SignedRecord`` fields get
records of their own: random envelopes, correctly signed records of every
namespace, correctly signed records over random payloads, and valid records
with one field changed.

Fields named ``host`` take only values that stay on this machine (loopback
literals, or text no resolver is asked about), so that no fuzz case sends a
packet off 127.0.0.0/8.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from hypothesis import strategies as st

from ipndht.v1 import common_pb2, content_pb2, handles_pb2
from ipndht_client import content as content_sdk
from ipndht_client import handles as handles_sdk
from services.core.records import keys, signing

F = FieldDescriptor
#: Generated modules type their descriptors as the upb or the pure-Python
#: class, depending on the stubs; both have the same interface.
MessageDescriptor = Descriptor | Any
#: Deepest nesting of generated messages: the contract nests at most three
#: levels (a response in a batch result); two more costs time, finds nothing.
MAX_DEPTH = 3
#: Longest "huge" string or bytes: well past every documented limit (at most
#: a few KiB) while far below the 4 MiB gRPC message cap.
HUGE = 300_000
#: Repeated fields and maps: up to this many entries, past the documented
#: caps of small lists only when the huge draw says so.
MAX_ITEMS = 6

_INT_RANGES: dict[int, tuple[int, int]] = {
    F.TYPE_INT32: (-(2**31), 2**31 - 1),
    F.TYPE_SINT32: (-(2**31), 2**31 - 1),
    F.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    F.TYPE_INT64: (-(2**63), 2**63 - 1),
    F.TYPE_SINT64: (-(2**63), 2**63 - 1),
    F.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    F.TYPE_UINT32: (0, 2**32 - 1),
    F.TYPE_FIXED32: (0, 2**32 - 1),
    F.TYPE_UINT64: (0, 2**64 - 1),
    F.TYPE_FIXED64: (0, 2**64 - 1),
}

#: Strings that look like what the services parse: handles, hex keys,
#: page tokens, namespaces, addresses.
_LOOKALIKES = [
    "@alice.ipn",
    "@Alice.IPN",
    "@\u0430.ipn",
    "@xn--80a.ipn",
    "@admin.ipn",
    "alice",
    "@.ipn",
    "a" * 64,
    "0" * 64,
    "\uff26" * 64,
    "1",
    "-1",
    "99999999999999999999999",
    "١٢٣",
    "handle",
    "provider",
    "resource",
    "timeline",
    "peer",
    "tcp://127.0.0.1:1",
    "127.0.0.1:1",
    "\x00",
    "\ud7ff\ue000\U0010ffff",
]

_LOOPBACK_HOSTS = ["127.0.0.1", "127.0.0.2", "127.255.255.254", "::1", "[::1]", "localhost"]


def _ints(kind: int) -> st.SearchStrategy[int]:
    low, high = _INT_RANGES[kind]
    edges = sorted({low, high, 0, 1, max(low, -1), high // 2 + 1, min(high, 2**31)})
    return st.one_of(st.sampled_from(edges), st.integers(low, high))


def strings() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=40),
        st.sampled_from(_LOOKALIKES),
        st.builds(lambda a, b: f"@{a}.{b}", st.text(max_size=12), st.sampled_from(["ipn", "IPN"])),
        st.text(alphabet=st.characters(codec="ascii"), max_size=300),
        st.builds(lambda n, c: c * n, st.integers(1_000, HUGE), st.sampled_from(["a", "é", "🙂"])),
    )


def blobs() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=80),
        st.sampled_from([20, 32, 33, 64]).flatmap(lambda n: st.binary(min_size=n, max_size=n)),
        st.builds(lambda n: b"\xff" * n, st.integers(1_000, HUGE)),
    )


def hosts() -> st.SearchStrategy[str]:
    """Hosts that never leave the machine: loopback literals, or text with a
    character no host name has (refused before any resolver is asked)."""
    return st.one_of(
        st.sampled_from(_LOOPBACK_HOSTS),
        st.builds(lambda a, b, c: f"127.{a}.{b}.{c}", *[st.integers(0, 300)] * 3),
        st.builds(lambda t: t + "_!", st.text(max_size=30)),
        st.sampled_from(["", " ", "0.0.0.0", "224.0.0.1", "::", "1" * 300 + "_"]),
    )


def scalar(field: FieldDescriptor) -> st.SearchStrategy[Any]:
    kind = field.type
    if kind == F.TYPE_STRING:
        return hosts() if field.name == "host" else strings()
    if kind == F.TYPE_BYTES:
        return blobs()
    if kind in _INT_RANGES:
        return _ints(kind)
    if kind == F.TYPE_BOOL:
        return st.booleans()
    if kind in (F.TYPE_DOUBLE, F.TYPE_FLOAT):
        return st.floats(width=64 if kind == F.TYPE_DOUBLE else 32)
    if kind == F.TYPE_ENUM:
        assert field.enum_type is not None
        known = [v.number for v in field.enum_type.values]
        return st.one_of(st.sampled_from(known), _ints(F.TYPE_INT32))
    raise TypeError(f"no strategy for field {field.full_name} of type {kind}")


def messages(descriptor: MessageDescriptor, depth: int = 0) -> st.SearchStrategy[Message]:
    """Messages of ``descriptor``'s type with any subset of fields set."""
    if descriptor.full_name == common_pb2.SignedRecord.DESCRIPTOR.full_name:
        return signed_records(depth)
    cls = GetMessageClass(descriptor)
    if depth > MAX_DEPTH:
        return st.just(cls())
    fields = {f.name: st.none() | _field_values(f, depth) for f in descriptor.fields}
    return st.fixed_dictionaries(fields).map(lambda values: _fill(cls(), values))


def _field_values(field: FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        key_field, value_field = field.message_type.fields
        return st.dictionaries(
            scalar(key_field), _single(value_field, depth + 1), max_size=MAX_ITEMS
        )
    one = _single(field, depth + 1)
    if field.is_repeated:
        return st.one_of(
            st.lists(one, max_size=MAX_ITEMS),
            st.integers(100, 2_000).flatmap(lambda n: st.lists(one, min_size=n, max_size=n))
            if field.message_type is None
            else st.lists(one, max_size=MAX_ITEMS),
        )
    return one


def _single(field: FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
    if field.message_type is not None:
        return messages(field.message_type, depth)
    return scalar(field)


def _fill(message: Message, values: dict[str, Any]) -> Message:
    for name, value in values.items():
        if value is None:
            continue
        target = getattr(message, name)
        field = message.DESCRIPTOR.fields_by_name[name]
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            for k, v in value.items():
                if isinstance(v, Message):
                    target[k].CopyFrom(v)
                else:
                    target[k] = v
        elif field.is_repeated:
            if field.message_type is not None:
                for item in value:
                    target.add().CopyFrom(item)
            else:
                target.extend(value)
        elif isinstance(value, Message):
            target.CopyFrom(value)
        else:
            setattr(message, name, value)
    return message


# -- signed records -------------------------------------------------------------------


def _valid(kind: int, name: str) -> common_pb2.SignedRecord:
    """A correctly signed record of one of the write RPCs' kinds."""
    key = keys.generate_private_key()
    content = common_pb2.ContentHash(
        algorithm=common_pb2.HASH_ALGORITHM_BLAKE3, digest=b"\x01" * 32
    )
    makers: list[Callable[[], common_pb2.SignedRecord]] = [
        lambda: handles_sdk.register(key, name),
        lambda: content_sdk.provider_record(key, content, ["tcp://127.0.0.1:1"]),
        lambda: content_sdk.withdrawal(key, content, seq=2),
        lambda: content_sdk.resource_record(key, "fuzz", name[1:12] or "x", b"data"),
    ]
    return makers[kind % len(makers)]()


def _signed_over(namespace: str, key_bytes: bytes, value: bytes, seq: int, life: int) -> Any:
    """A correct signature over arbitrary fields (the payload is not checked)."""
    now = handles_sdk.now_us()
    record = signing.sign_record(
        keys.generate_private_key(), namespace, key_bytes, value, seq, now, now + life
    )
    return record.to_proto()


_NAMES = st.from_regex(r"@fz[a-z0-9]{1,14}\.ipn", fullmatch=True)
_PAYLOADS = st.one_of(
    blobs(),
    messages(handles_pb2.HandleRecord.DESCRIPTOR, 1).map(lambda m: m.SerializeToString()),
    messages(common_pb2.ProviderRecord.DESCRIPTOR, 1).map(lambda m: m.SerializeToString()),
    messages(content_pb2.ResourceRecord.DESCRIPTOR, 1).map(lambda m: m.SerializeToString()),
)


def _mutated(record: common_pb2.SignedRecord, name: str, value: Any) -> common_pb2.SignedRecord:
    out = common_pb2.SignedRecord()
    out.CopyFrom(record)
    if name == "countersignatures":
        del out.countersignatures[:]
        for item in value:
            out.countersignatures.add().CopyFrom(item)
    else:
        setattr(out, name, value)
    return out


def signed_records(depth: int) -> st.SearchStrategy[Any]:
    fields: list[Any] = list(common_pb2.SignedRecord.DESCRIPTOR.fields)
    valid = st.builds(_valid, st.integers(0, 3), _NAMES)
    one_changed = st.sampled_from(fields).flatmap(
        lambda f: st.tuples(valid, st.just(f.name), _field_values(f, depth))
    )
    generic = st.fixed_dictionaries(
        {f.name: st.none() | _field_values(f, depth) for f in fields}
    ).map(lambda values: _fill(common_pb2.SignedRecord(), values))
    return st.one_of(
        valid,
        one_changed.map(lambda t: _mutated(*t)),
        st.builds(
            _signed_over,
            st.sampled_from(["handle", "provider", "resource", "timeline", "peer", "x"]),
            st.one_of(_NAMES.map(str.encode), blobs()),
            _PAYLOADS,
            _ints(F.TYPE_UINT64),
            st.sampled_from([-1, 1, 3_600_000_000, 2**62]),
        ),
        generic,
    )
