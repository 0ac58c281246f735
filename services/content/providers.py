"""ProviderIndex: announce, withdraw and find the providers of a content hash.

Provider records are signed by the provider and stored as a set per hash in
the DHT (one record per provider key, higher seq wins). Answers of
FindProviders are cached in Redis per hash and verified again when read
back; any Provide or StopProviding through a content service deletes that
hash's cache entry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ipndht.v1 import common_pb2, content_pb2
from services.content import hashes
from services.content.announce import timer_for
from services.content.constants import PROVIDER_CACHE_TTL_S
from services.content.hashtimer import HashTimer
from services.content.index_log import RecordDht
from services.content.index_records import decode_items, encode_items
from services.content.intake import accept
from services.content.published import Published, PublishedStore
from services.content.timeline import Timeline
from services.core.cache import Cache
from services.core.errors import (
    InvalidArgument,
    InvalidRecord,
    IpndhtError,
    NotFound,
    PermissionDenied,
    SeqConflict,
)
from services.core.records.limits import PROVIDER_SET_CAP
from services.core.records.model import Record, decode, dht_key
from services.core.records.policy import RecordInfo
from services.core.records.rules import SignedRecordPolicy

NAMESPACE = "provider"
CACHE_KIND = "providers"


class Resolver(Protocol):
    async def resolve(self, handle: str) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Provided:
    timer: HashTimer
    holders: int
    expires_at_us: int


@dataclass(frozen=True, slots=True)
class Provider:
    """One provider of a hash, as found."""

    record: Record
    payload: common_pb2.ProviderRecord


class ProviderIndex:
    """The provider records of content hashes."""

    def __init__(
        self,
        dht: RecordDht,
        policy: SignedRecordPolicy,
        cache: Cache,
        timeline: Timeline,
        published: PublishedStore,
        handles: Resolver,
        clock: Callable[[], int],
    ) -> None:
        self._dht = dht
        self._policy = policy
        self._cache = cache
        self._timeline = timeline
        self._published = published
        self._handles = handles
        self._clock = clock

    async def provide(self, message: common_pb2.SignedRecord) -> Provided:
        """Store an announcement and index it in the timeline."""
        record, info = accept(message, NAMESPACE, self._policy, self._clock())
        payload = _payload(record)
        if payload.withdrawn:
            raise InvalidArgument("the record is a withdrawal (withdrawn=true): use StopProviding")
        timer = timer_for(record)
        if payload.HasField("hash_timer") and payload.hash_timer.hex != timer.hex:
            raise InvalidArgument(
                f"hash_timer must be unset or {timer.hex} (issued_at_us and a BLAKE3 digest of "
                "the signer, key and seq; see docs/content.md)"
            )
        if payload.handle:
            owner = await self._handles.resolve(payload.handle)
            if owner != record.signer:
                raise PermissionDenied(
                    f"handle {payload.handle} belongs to another key; "
                    "sign with its key or leave the handle out"
                )
        held = self._published.get(info.dht_key, record.signer)
        if held is not None and held.raw != info.raw and held.seq >= record.seq:
            raise SeqConflict(
                f"seq {record.seq} is not above this provider's current seq {held.seq} "
                "for this content",
                held.seq,
            )
        entry = content_pb2.ContentEntry(
            hash_timer=common_pb2.HashTimer(hex=timer.hex, time_us=timer.time_us),
            content=payload.content,
            provider_key=record.signer,
            handle=payload.handle,
        )
        # Accepted locally first: a refused record must not reach the timeline.
        accepted = self._accept_locally(info.raw, held)
        holders, _ = await asyncio.gather(
            self._replicate(accepted, record), self._timeline.add(entry)
        )
        return Provided(timer, holders, record.expires_at_us)

    async def stop(self, message: common_pb2.SignedRecord) -> int:
        """Store a withdrawal; it replaces the provider's announcement."""
        record, info = accept(message, NAMESPACE, self._policy, self._clock(), fresh=False)
        if not _payload(record).withdrawn:
            raise InvalidArgument("StopProviding takes a provider record with withdrawn=true")
        current = self._published.get(info.dht_key, record.signer)
        current_seq = current.seq if current is not None else None
        if current_seq is None:
            for raw in await self._dht.get_providers(info.dht_key, PROVIDER_SET_CAP):
                found = decode(raw)
                if found.signer == record.signer:
                    current_seq = found.seq
        if current_seq is None:
            raise NotFound("this key provides no such content (nothing to withdraw)")
        if record.seq <= current_seq and (current is None or current.raw != info.raw):
            raise SeqConflict(
                f"seq {record.seq} is not above the current seq {current_seq}", current_seq
            )
        return await self._replicate(self._accept_locally(info.raw, current), record)

    def _accept_locally(self, raw: bytes, held: Published | None) -> RecordInfo:
        try:
            return self._dht.add_provider_locally(raw)
        except InvalidRecord:
            current = held.seq if held is not None else 0
            raise SeqConflict(
                "a newer record of this provider for this content is held already", current
            ) from None

    async def _replicate(self, info: RecordInfo, record: Record) -> int:
        holders = await self._dht.replicate(info)
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
        await self._cache.delete(CACHE_KIND, record.key.hex())
        return holders

    async def find(self, content: common_pb2.ContentHash, limit: int) -> list[Provider]:
        """Providers of ``content``: newest first, one per key, valid,
        unexpired and not withdrawn, at most ``limit``."""
        key = hashes.check(content)
        dk = dht_key(NAMESPACE, key)
        cached = await self._cache.get(CACHE_KIND, key.hex())
        raws: list[bytes] | None = None
        if cached is not None:
            try:
                raws = decode_items(cached)
            except IpndhtError:
                raws = None
        if raws is None:
            raws = await self._dht.get_providers(dk, PROVIDER_SET_CAP)
            await self._cache.set(CACHE_KIND, key.hex(), encode_items(raws), PROVIDER_CACHE_TTL_S)
        now = self._clock()
        best: dict[bytes, tuple[RecordInfo, Record]] = {}
        for raw in raws:
            try:
                info = self._policy.check(dk, raw, now)
            except IpndhtError:
                continue
            held = best.get(info.signer)
            if held is None or self._policy.better(info, held[0]):
                best[info.signer] = (info, decode(raw))
        found = []
        for record in sorted(
            (r for _, r in best.values()), key=lambda r: (-r.issued_at_us, r.signer)
        ):
            payload = _payload(record)
            if not payload.withdrawn:
                found.append(Provider(record, payload))
        return found[:limit]


def _payload(record: Record) -> common_pb2.ProviderRecord:
    payload = common_pb2.ProviderRecord()
    payload.ParseFromString(record.value)
    return payload
