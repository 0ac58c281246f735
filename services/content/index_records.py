"""The DHT index namespaces of the content service: "timeline" and
"resource-index".

Both are set namespaces (one record per key and signer), signed by a content
service's own node key, so several content services write side by side:

- ``timeline``: key ``<bucket_start_us>`` is a head whose value is the
  number of pages (ASCII decimal); key ``<bucket_start_us>/<n>`` is page n,
  whose value is a sequence of length-delimited ``ContentEntry`` messages
  (varint length, then the message) whose HashTimers fall in the bucket.
- ``resource-index``: key ``<type>`` is a head as above; ``<type>/<n>`` is
  page n, whose value is a sequence of length-delimited resource ids.

Importing this module registers both namespaces (once per process).
"""

from __future__ import annotations

import re

from google.protobuf.internal.decoder import _DecodeVarint  # type: ignore[attr-defined]
from google.protobuf.internal.encoder import _VarintBytes  # type: ignore[attr-defined]

from ipndht.v1 import content_pb2
from services.content import hashtimer
from services.content.constants import MAX_INDEX_PAGES
from services.core.errors import InvalidArgument
from services.core.records import limits as lim
from services.core.records.model import Record
from services.core.records.registry import (
    DEFAULT_REGISTRY,
    NamespaceContext,
    NamespaceSpec,
    register_namespace,
)
from services.core.records.validation import Validator, fail

TIMELINE = "timeline"
RESOURCE_INDEX = "resource-index"

#: A week: index records live as long as the announcements they list (the
#: provider and resource namespaces' own maximum).
INDEX_MAX_TTL_US = 7 * 86_400 * 1_000_000
#: Content services writing one bucket or type side by side.
INDEX_SET_CAP = 64
#: The widest bucket the settings allow (timeline_bucket_s <= 7 days).
MAX_BUCKET_US = 7 * 86_400 * 1_000_000

_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")
_RESOURCE_TYPE = re.compile(r"[a-z0-9._-]{1,64}")


def encode_items(items: list[bytes]) -> bytes:
    """Length-delimited items: varint length then the bytes, in order."""
    return b"".join(_VarintBytes(len(item)) + item for item in items)


def decode_items(value: bytes) -> list[bytes]:
    """The items of a page; InvalidArgument when the framing is broken."""
    items: list[bytes] = []
    pos = 0
    while pos < len(value):
        try:
            size, pos = _DecodeVarint(value, pos)
        except Exception as exc:
            raise InvalidArgument("an index page has a broken length prefix") from exc
        if size == 0 or pos + size > len(value):
            raise InvalidArgument("an index page item runs past the end of the page")
        items.append(value[pos : pos + size])
        pos += size
    return items


def item_bytes(item: bytes) -> int:
    """Bytes ``item`` takes in a page."""
    return len(_VarintBytes(len(item))) + len(item)


def page_key(base: str, page: int) -> bytes:
    return f"{base}/{page}".encode("ascii")


def parse_head(value: bytes) -> int:
    """The page count of a head record's value."""
    text = value.decode("ascii", errors="replace")
    if not _DECIMAL.fullmatch(text) or not 1 <= int(text) <= MAX_INDEX_PAGES:
        raise InvalidArgument(f"an index head holds a page count 1..{MAX_INDEX_PAGES}")
    return int(text)


def parse_entry(raw: bytes) -> content_pb2.ContentEntry:
    """A timeline item as a ContentEntry; InvalidArgument when malformed."""
    entry = content_pb2.ContentEntry()
    try:
        entry.ParseFromString(raw)
    except Exception as exc:
        raise InvalidArgument("a timeline item is not a ContentEntry") from exc
    timer = hashtimer.parse(entry.hash_timer.hex)
    if timer.time_us != entry.hash_timer.time_us:
        raise InvalidArgument("a timeline item's HashTimer time does not match its hex")
    if len(entry.provider_key) != lim.PUBLIC_KEY_BYTES:
        raise InvalidArgument("a timeline item's provider key is not 32 bytes")
    if len(entry.content.digest) != lim.DIGEST_BYTES or entry.content.algorithm not in (1, 2):
        raise InvalidArgument("a timeline item's content hash is malformed")
    return entry


def _split_key(record: Record) -> tuple[str, int | None]:
    try:
        text = record.key.decode("ascii")
    except UnicodeDecodeError:
        fail("key_format", "an index key is ASCII text")
    base, sep, page = text.rpartition("/")
    if not sep:
        return text, None
    if not _DECIMAL.fullmatch(page) or int(page) >= MAX_INDEX_PAGES:
        fail("key_format", f"an index page number is 0..{MAX_INDEX_PAGES - 1}")
    return base, int(page)


def _check_head(record: Record) -> None:
    try:
        parse_head(record.value)
    except InvalidArgument as exc:
        fail("payload", str(exc))


def make_timeline_validator(ctx: NamespaceContext) -> Validator:
    """Timeline records: a bucket head or a page of entries in that bucket."""

    def validate(record: Record, now_us: int) -> None:
        base, page = _split_key(record)
        if not _DECIMAL.fullmatch(base):
            fail("key_format", "a timeline key is '<bucket_start_us>' or '<bucket_start_us>/<n>'")
        if page is None:
            _check_head(record)
            return
        start = int(base)
        try:
            for raw in decode_items(record.value):
                t = parse_entry(raw).hash_timer.time_us
                if not start <= t < start + MAX_BUCKET_US:
                    fail("payload", "a timeline entry lies outside its bucket")
        except InvalidArgument as exc:
            fail("payload", str(exc))

    return validate


def make_resource_index_validator(ctx: NamespaceContext) -> Validator:
    """Resource-index records: a type head or a page of resource ids."""

    def validate(record: Record, now_us: int) -> None:
        base, page = _split_key(record)
        if not _RESOURCE_TYPE.fullmatch(base):
            fail("key_format", "a resource-index key is '<type>' or '<type>/<n>'")
        if page is None:
            _check_head(record)
            return
        try:
            ids = decode_items(record.value)
        except InvalidArgument as exc:
            fail("payload", str(exc))
        for raw in ids:
            if len(raw) > lim.MAX_RESOURCE_ID_BYTES or not raw.decode("latin-1").isprintable():
                fail("payload", "a resource-index item is not a resource id")

    return validate


def register() -> None:
    """Register both namespaces in the process-wide registry (idempotent)."""
    specs = (
        NamespaceSpec(
            TIMELINE,
            make_timeline_validator,
            INDEX_MAX_TTL_US,
            multi=True,
            set_cap=INDEX_SET_CAP,
        ),
        NamespaceSpec(
            RESOURCE_INDEX,
            make_resource_index_validator,
            INDEX_MAX_TTL_US,
            multi=True,
            set_cap=INDEX_SET_CAP,
        ),
    )
    for spec in specs:
        if DEFAULT_REGISTRY.get(spec.name) is None:
            register_namespace(spec)


register()
