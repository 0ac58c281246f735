"""The built-in namespaces: handle, provider, resource and peer.

Each validator checks the record key's format, decodes the payload
(``SignedRecord.value``), checks it against the key and its limits, and any
signer rule. Importing this module registers the four namespaces in the
process-wide registry (``services.core.records.rules`` imports it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TypeVar

from google.protobuf.message import Message

from ipndht.v1 import common_pb2, content_pb2, handles_pb2
from services.core.errors import IpndhtError
from services.core.records import limits as lim
from services.core.records.model import Record
from services.core.records.registry import (
    DEFAULT_REGISTRY,
    NamespaceContext,
    NamespaceRegistry,
    NamespaceSpec,
)
from services.core.records.validation import Validator, fail

__all__ = [
    "BUILTIN_SPECS",
    "check_handle_text",
    "make_handle_validator",
    "make_peer_validator",
    "make_provider_validator",
    "make_resource_validator",
    "register_builtin_namespaces",
]

_M = TypeVar("_M", bound=Message)

_HANDLE_PREFIX = "@"
_HANDLE_SUFFIX = ".ipn"
_RESOURCE_TYPE = re.compile(r"[a-z0-9._-]{1,64}")
_HEX_LOWER = re.compile(r"[0-9a-f]*")
_HANDLE_CHARS = re.compile(r"[\x21-\x7e]+")
_DIGEST_BYTES: dict[int, int] = {
    int(common_pb2.HASH_ALGORITHM_SHA2_256): lim.DIGEST_BYTES,
    int(common_pb2.HASH_ALGORITHM_BLAKE3): lim.DIGEST_BYTES,
}
_OPERATIONS = frozenset(
    {
        handles_pb2.HANDLE_OPERATION_REGISTER,
        handles_pb2.HANDLE_OPERATION_UPDATE,
        handles_pb2.HANDLE_OPERATION_TRANSFER,
        handles_pb2.HANDLE_OPERATION_RENEW,
        handles_pb2.HANDLE_OPERATION_RELEASE,
    }
)


def _parse(message: _M, value: bytes, what: str) -> _M:
    try:
        message.ParseFromString(value)
    except Exception:  # DecodeError and anything a parser raises on garbage
        fail("payload", f"the record value is not a valid {what} message")
    return message


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _check_addresses(addresses: Iterable[str]) -> None:
    items = list(addresses)
    if len(items) > lim.MAX_ADDRESSES:
        fail("payload", f"{len(items)} addresses, over the limit of {lim.MAX_ADDRESSES}")
    for address in items:
        if _utf8_len(address) > lim.MAX_ADDRESS_BYTES:
            fail("payload", f"an address is over the limit of {lim.MAX_ADDRESS_BYTES} bytes")


def check_handle_text(handle: str, rule: str) -> None:
    """The basic shape of a handle: "@", ".ipn" suffix, lower-case printable
    ASCII, at most MAX_HANDLE_BYTES bytes. The full name rules are pluggable."""
    if not _HANDLE_CHARS.fullmatch(handle) or handle != handle.lower():
        fail(rule, f"handle {handle!r} must be lower-case printable ASCII without spaces")
    if len(handle) > lim.MAX_HANDLE_BYTES:
        fail(rule, f"handle is {len(handle)} bytes, over the limit of {lim.MAX_HANDLE_BYTES} bytes")
    if (
        not handle.startswith(_HANDLE_PREFIX)
        or not handle.endswith(_HANDLE_SUFFIX)
        or len(handle) <= len(_HANDLE_PREFIX) + len(_HANDLE_SUFFIX)
    ):
        fail(rule, f"handle {handle!r} must look like '@label.ipn'")


def _run_name_check(check: Callable[[str], object] | None, handle: str) -> None:
    if check is None:
        return
    try:
        check(handle)
    except (IpndhtError, ValueError) as exc:
        fail("handle_name", f"handle {handle!r} breaks a naming rule: {exc}")


# --- handle ----------------------------------------------------------------------


def make_handle_validator(ctx: NamespaceContext) -> Validator:
    """Handle records: key is the handle, value a HandleRecord for it, owner
    signed (the old owner for a transfer), countersigned by a trusted registrar."""
    trusted = ctx.trusted_registrars
    name_check = ctx.handle_name_check

    def validate(record: Record, now_us: int) -> None:
        if not trusted:
            fail(
                "no_registrar_trusted",
                "handle records are refused: this node trusts no registrar key",
            )
        try:
            handle = record.key.decode("ascii")
        except UnicodeDecodeError:
            fail("key_format", "a handle record key must be the handle as ASCII text")
        check_handle_text(handle, "key_format")
        _run_name_check(name_check, handle)
        signers = {cs.signer for cs in record.countersignatures}
        if not signers:
            fail(
                "registrar_countersignature_missing",
                "a handle record needs a countersignature by a trusted registrar; it has none",
            )
        if not signers & trusted:
            fail(
                "untrusted_registrar",
                "no countersignature of this handle record is by a trusted registrar key",
            )
        payload = _parse(handles_pb2.HandleRecord(), record.value, "HandleRecord")
        if payload.handle != handle:
            fail(
                "key_payload_mismatch",
                f"the HandleRecord names {payload.handle!r} but the record key is {handle!r}",
            )
        _check_handle_payload(payload, name_check)
        if (
            payload.operation != handles_pb2.HANDLE_OPERATION_TRANSFER
            and record.signer != payload.owner_key
        ):
            fail(
                "wrong_signer",
                "a handle record must be signed by its owner key "
                "(only a transfer is signed by the previous owner)",
            )

    return validate


def _check_handle_payload(
    payload: handles_pb2.HandleRecord, name_check: Callable[[str], object] | None
) -> None:
    if len(payload.owner_key) != lim.PUBLIC_KEY_BYTES:
        fail("payload", f"owner_key must be {lim.PUBLIC_KEY_BYTES} bytes")
    if len(payload.target_key) != lim.PUBLIC_KEY_BYTES:
        fail("payload", f"target_key must be {lim.PUBLIC_KEY_BYTES} bytes")
    if payload.operation not in _OPERATIONS:
        fail("payload", "the HandleRecord operation is not set or unknown")
    _check_addresses(payload.addresses)
    metadata = dict(payload.metadata)
    if len(metadata) > lim.MAX_HANDLE_METADATA_ENTRIES:
        fail(
            "payload",
            f"{len(metadata)} metadata entries, over the limit of "
            f"{lim.MAX_HANDLE_METADATA_ENTRIES}",
        )
    total = 0
    for key, value in metadata.items():
        if _utf8_len(key) > lim.MAX_HANDLE_METADATA_KEY_BYTES:
            fail(
                "payload",
                f"a metadata key is over the limit of {lim.MAX_HANDLE_METADATA_KEY_BYTES} bytes",
            )
        total += _utf8_len(key) + _utf8_len(value)
    if total > lim.MAX_HANDLE_METADATA_TOTAL_BYTES:
        fail(
            "payload",
            f"metadata holds {total} bytes, over the limit of "
            f"{lim.MAX_HANDLE_METADATA_TOTAL_BYTES} bytes",
        )
    if payload.alias:
        alias = payload.alias
        if "@" in alias or alias.endswith(_HANDLE_SUFFIX):
            fail("payload", "an alias is a bare label, without '@' or '.ipn'")
        check_handle_text(f"{_HANDLE_PREFIX}{alias}{_HANDLE_SUFFIX}", "payload")
        _run_name_check(name_check, f"{_HANDLE_PREFIX}{alias}{_HANDLE_SUFFIX}")


# --- provider --------------------------------------------------------------------


def make_provider_validator(ctx: NamespaceContext) -> Validator:
    """Provider records: key is the algorithm byte then the digest, value a
    ProviderRecord for that content."""
    name_check = ctx.handle_name_check

    def validate(record: Record, now_us: int) -> None:
        key = record.key
        algorithm = key[0] if key else 0
        expected = _DIGEST_BYTES.get(algorithm)
        if expected is None or len(key) != 1 + expected:
            fail(
                "key_format",
                "a provider key is one algorithm byte (1 sha2-256, 2 blake3) "
                f"then a {lim.DIGEST_BYTES}-byte digest",
            )
        payload = _parse(common_pb2.ProviderRecord(), record.value, "ProviderRecord")
        if payload.content.algorithm != algorithm or payload.content.digest != key[1:]:
            fail("key_payload_mismatch", "the ProviderRecord content is not the record key")
        _check_addresses(payload.addresses)
        if payload.handle:
            check_handle_text(payload.handle, "payload")
            _run_name_check(name_check, payload.handle)
        if payload.HasField("hash_timer"):
            hex_ = payload.hash_timer.hex
            if len(hex_) != lim.HASH_TIMER_HEX_CHARS or not _HEX_LOWER.fullmatch(hex_):
                fail(
                    "payload",
                    f"a HashTimer is {lim.HASH_TIMER_HEX_CHARS} lower-case hex digits",
                )
            if int(hex_[: lim.HASH_TIMER_TIME_HEX_CHARS], 16) != payload.hash_timer.time_us:
                fail("payload", "the HashTimer time prefix does not match its time_us")

    return validate


# --- resource --------------------------------------------------------------------


def make_resource_validator(ctx: NamespaceContext) -> Validator:
    """Resource records: key "<type>/<id>", value a ResourceRecord for it."""

    def validate(record: Record, now_us: int) -> None:
        try:
            text = record.key.decode("ascii")
        except UnicodeDecodeError:
            fail("key_format", "a resource key must be ASCII '<type>/<id>'")
        type_, sep, id_ = text.partition("/")
        if not sep or not _RESOURCE_TYPE.fullmatch(type_):
            fail(
                "key_format",
                "a resource key is '<type>/<id>' with a type of 1 to "
                f"{lim.MAX_RESOURCE_TYPE_BYTES} characters of [a-z0-9._-]",
            )
        if not 1 <= len(id_) <= lim.MAX_RESOURCE_ID_BYTES or not id_.isprintable():
            fail(
                "key_format",
                f"a resource id is 1 to {lim.MAX_RESOURCE_ID_BYTES} printable ASCII characters",
            )
        payload = _parse(content_pb2.ResourceRecord(), record.value, "ResourceRecord")
        if payload.type != type_ or payload.id != id_:
            fail(
                "key_payload_mismatch",
                f"the ResourceRecord is {payload.type!r}/{payload.id!r} "
                f"but the record key is {text!r}",
            )
        if len(payload.data) > lim.MAX_RESOURCE_DATA_BYTES:
            fail(
                "payload",
                f"resource data is {len(payload.data)} bytes, over the limit of "
                f"{lim.MAX_RESOURCE_DATA_BYTES} bytes",
            )
        attributes = dict(payload.attributes)
        if len(attributes) > lim.MAX_RESOURCE_ATTRIBUTES:
            fail(
                "payload",
                f"{len(attributes)} attributes, over the limit of {lim.MAX_RESOURCE_ATTRIBUTES}",
            )
        for key, value in attributes.items():
            if _utf8_len(key) > lim.MAX_RESOURCE_ATTRIBUTE_KEY_BYTES:
                fail(
                    "payload",
                    "an attribute key is over the limit of "
                    f"{lim.MAX_RESOURCE_ATTRIBUTE_KEY_BYTES} bytes",
                )
            if _utf8_len(value) > lim.MAX_RESOURCE_ATTRIBUTE_VALUE_BYTES:
                fail(
                    "payload",
                    "an attribute value is over the limit of "
                    f"{lim.MAX_RESOURCE_ATTRIBUTE_VALUE_BYTES} bytes",
                )

    return validate


# --- peer ------------------------------------------------------------------------


def make_peer_validator(ctx: NamespaceContext) -> Validator:
    """Peer records: key is the 20-byte node id, value a Peer with that id."""

    def validate(record: Record, now_us: int) -> None:
        if len(record.key) != lim.NODE_ID_BYTES:
            fail("key_format", f"a peer key is a {lim.NODE_ID_BYTES}-byte node id")
        payload = _parse(common_pb2.Peer(), record.value, "Peer")
        if payload.node_id != record.key:
            fail("key_payload_mismatch", "the Peer node_id is not the record key")
        if not payload.host or _utf8_len(payload.host) > lim.MAX_HOST_BYTES:
            fail("payload", f"a peer host is 1 to {lim.MAX_HOST_BYTES} bytes")
        if not 1 <= payload.port <= 65535:
            fail("payload", "a peer port is 1..65535")

    return validate


BUILTIN_SPECS: tuple[NamespaceSpec, ...] = (
    NamespaceSpec("handle", make_handle_validator, lim.HANDLE_MAX_TTL_US),
    NamespaceSpec(
        "provider",
        make_provider_validator,
        lim.PROVIDER_MAX_TTL_US,
        multi=True,
        set_cap=lim.PROVIDER_SET_CAP,
    ),
    NamespaceSpec(
        "resource",
        make_resource_validator,
        lim.RESOURCE_MAX_TTL_US,
        multi=True,
        set_cap=lim.RESOURCE_SET_CAP,
    ),
    NamespaceSpec("peer", make_peer_validator, lim.PEER_MAX_TTL_US),
)


def register_builtin_namespaces(registry: NamespaceRegistry) -> None:
    """Register the built-in namespaces in ``registry`` (if not there yet)."""
    for spec in BUILTIN_SPECS:
        if registry.get(spec.name) is None:
            registry.register(spec)


register_builtin_namespaces(DEFAULT_REGISTRY)
