"""Resources: typed announce and discover (the P2P coordinator's model).

A resource record (namespace "resource", key "<type>/<id>", value a
ResourceRecord) is signed by its announcer and expires with the record. An
id belongs to one announcer while that announcer's record is unexpired.
DiscoverResources finds the ids of a type through the "resource-index"
pages (``index_records``; one page set per content service), then reads
each id's records. Answers per type are cached in Redis and verified again
when read back; an announce through any content service deletes its type's
cache entry.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass

from ipndht.v1 import common_pb2, content_pb2
from services.content.announce import timer_for
from services.content.constants import INDEX_READ_CONCURRENCY, MAX_FILTERS, RESOURCE_CACHE_TTL_S
from services.content.hashtimer import HashTimer
from services.content.index_log import IndexReader, IndexWriter, RecordDht
from services.content.index_records import decode_items, encode_items
from services.content.intake import accept
from services.content.published import Published, PublishedStore
from services.core.cache import Cache
from services.core.errors import (
    InvalidArgument,
    InvalidRecord,
    IpndhtError,
    PermissionDenied,
    SeqConflict,
)
from services.core.records.limits import RESOURCE_SET_CAP
from services.core.records.model import Record, decode, dht_key
from services.core.records.rules import SignedRecordPolicy

NAMESPACE = "resource"
CACHE_KIND = "resources"
_TYPE = re.compile(r"[a-z0-9._-]{1,64}")


@dataclass(frozen=True, slots=True)
class Announced:
    holders: int
    timer: HashTimer


@dataclass(frozen=True, slots=True)
class Resource:
    record: Record
    payload: content_pb2.ResourceRecord


def check_type(type_: str) -> None:
    if not _TYPE.fullmatch(type_):
        raise InvalidArgument(
            f"resource type {type_!r} must be 1 to 64 characters of a-z, 0-9, '.', '_', '-'"
        )


def check_filters(filters: dict[str, str]) -> None:
    if len(filters) > MAX_FILTERS:
        raise InvalidArgument(f"{len(filters)} filters, over the limit of {MAX_FILTERS}")


class Resources:
    """Announces resources and discovers them by type and attributes."""

    def __init__(
        self,
        dht: RecordDht,
        policy: SignedRecordPolicy,
        cache: Cache,
        writer: IndexWriter,
        reader: IndexReader,
        published: PublishedStore,
        clock: Callable[[], int],
    ) -> None:
        self._dht = dht
        self._policy = policy
        self._cache = cache
        self._writer = writer
        self._reader = reader
        self._published = published
        self._clock = clock

    async def announce(self, message: common_pb2.SignedRecord) -> Announced:
        record, info = accept(message, NAMESPACE, self._policy, self._clock())
        payload = _payload(record)
        held_seq: int | None = None
        for raw in await self._dht.get_providers(info.dht_key, RESOURCE_SET_CAP):
            other = decode(raw)
            if other.signer != record.signer:
                raise PermissionDenied(
                    f"resource {payload.type}/{payload.id} is held by another announcer "
                    "until its record expires"
                )
            if raw != info.raw:
                held_seq = max(held_seq or 0, other.seq)
        mine = self._published.get(info.dht_key, record.signer)
        if mine is not None and mine.raw != info.raw:
            held_seq = max(held_seq or 0, mine.seq)
        if held_seq is not None and held_seq >= record.seq:
            raise SeqConflict(
                f"seq {record.seq} is not above the current seq {held_seq} of this resource",
                held_seq,
            )
        # Accepted locally first: a refused record must not reach the index.
        try:
            accepted = self._dht.add_provider_locally(info.raw)
        except InvalidRecord:
            raise SeqConflict(
                "a newer record of this resource is held already", held_seq or 0
            ) from None
        holders, _ = await asyncio.gather(
            self._dht.replicate(accepted),
            self._writer.append(payload.type, payload.id.encode(), record.expires_at_us),
        )
        self._published.put(
            Published(
                info.dht_key,
                record.signer,
                info.raw,
                record.seq,
                record.expires_at_us,
                self._clock(),
            )
        )
        await self._cache.delete(CACHE_KIND, payload.type)
        return Announced(holders, timer_for(record))

    async def discover(self, type_: str, filters: dict[str, str], limit: int) -> list[Resource]:
        check_type(type_)
        check_filters(filters)
        raws = await self._cached(type_)
        if raws is None:
            raws = await self._read_type(type_)
            await self._cache.set(CACHE_KIND, type_, encode_items(raws), RESOURCE_CACHE_TTL_S)
        now = self._clock()
        found: dict[bytes, Resource] = {}
        for raw in raws:
            try:
                record = decode(raw)
                info = self._policy.check(dht_key(NAMESPACE, record.key), raw, now)
            except IpndhtError:
                continue
            payload = _payload(record)
            if payload.type != type_:
                continue
            if any(payload.attributes.get(k) != v for k, v in filters.items()):
                continue
            ident = record.key + record.signer
            held = found.get(ident)
            if held is None or held.record.seq < info.seq:
                found[ident] = Resource(record, payload)
        ordered = sorted(
            found.values(), key=lambda r: (-r.record.issued_at_us, r.record.key, r.record.signer)
        )
        return ordered[:limit]

    async def _cached(self, type_: str) -> list[bytes] | None:
        cached = await self._cache.get(CACHE_KIND, type_)
        if cached is None:
            return None
        try:
            return decode_items(cached)
        except IpndhtError:
            return None

    async def _read_type(self, type_: str) -> list[bytes]:
        ids = await self._reader.read(type_)
        gate = asyncio.Semaphore(INDEX_READ_CONCURRENCY)

        async def one(id_: bytes) -> list[bytes]:
            async with gate:
                key = dht_key(NAMESPACE, type_.encode() + b"/" + id_)
                return await self._dht.get_providers(key, RESOURCE_SET_CAP)

        out: list[bytes] = []
        for records in await asyncio.gather(*(one(i) for i in ids)):
            out.extend(records)
        return out


def _payload(record: Record) -> content_pb2.ResourceRecord:
    payload = content_pb2.ResourceRecord()
    payload.ParseFromString(record.value)
    return payload
