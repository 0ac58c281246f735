"""Finding the current record of a handle: Redis, the DHT and the local store.

Every record read from Redis or the DHT is validated again with the signed
record policy (owner signature, trusted registrar countersignature, expiry)
before use; records from the DHT are kept in the local store, so a registry
learns the writes of the others at its next lookup and keeps them across a
restart.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from services.core.cache import Cache
from services.core.errors import InvalidRecord
from services.core.logging import get_logger
from services.core.records import model
from services.core.records.rules import SignedRecordPolicy
from services.handles import constants as c
from services.handles.model import HandleEntry, State, best, entry_of_raw
from services.handles.store import HandleStore

log = get_logger(__name__)


class RecordDht(Protocol):
    """What the registry needs of the DHT node."""

    async def put(
        self, record_bytes: bytes, dht_key: bytes | None = None, *, only_newer: bool = False
    ) -> int: ...

    async def get(self, dht_key: bytes) -> bytes | None: ...


class Source(enum.Enum):
    CACHE = "cache"
    DHT = "dht"
    LOCAL = "local"


@dataclass(frozen=True, slots=True)
class Found:
    entry: HandleEntry
    source: Source


def dht_key_of(handle: str) -> bytes:
    return model.dht_key(c.NAMESPACE, handle.encode("ascii"))


class HandleLookup:
    """Reads the best known record of a handle and keeps caches in step."""

    def __init__(
        self,
        dht: RecordDht,
        store: HandleStore,
        cache: Cache,
        policy: SignedRecordPolicy,
        grace_us: int,
    ) -> None:
        self.dht = dht
        self.store = store
        self.cache = cache
        self.policy = policy
        self.grace_us = grace_us

    def now_us(self) -> int:
        return self.policy.now_us()

    def _verified(self, handle: str, raw: bytes, where: str) -> HandleEntry | None:
        try:
            self.policy.check(dht_key_of(handle), raw, self.now_us())
            return entry_of_raw(raw)
        except InvalidRecord as exc:
            log.warning("handle_record_refused", handle=handle, source=where, error=str(exc))
            return None

    async def from_cache(self, handle: str) -> HandleEntry | None:
        raw = await self.cache.get(c.KIND_RECORD, handle)
        return None if raw is None else self._verified(handle, raw, "cache")

    async def from_dht(self, handle: str) -> HandleEntry | None:
        raw = await self.dht.get(dht_key_of(handle))
        return None if raw is None else self._verified(handle, raw, "dht")

    async def find(self, handle: str, *, use_cache: bool = True) -> Found | None:
        """The best record of ``handle`` (any state), with where it came from.

        A verified Redis hit answers at once; otherwise the DHT and the
        local store are compared and the better record wins.
        """
        if use_cache:
            cached = await self.from_cache(handle)
            if cached is not None:
                return Found(cached, Source.CACHE)
        from_dht = await self.from_dht(handle)
        local = self.store.current(handle)
        chosen = best(from_dht, local)
        if chosen is None:
            return None
        if from_dht is not None:
            self.store.put(from_dht)
        source = Source.DHT if chosen is from_dht else Source.LOCAL
        if chosen.state(self.now_us(), self.grace_us) is State.ACTIVE:
            await self.remember(chosen)
        return Found(chosen, source)

    async def find_for_write(self, handle: str) -> HandleEntry | None:
        """The best record of ``handle`` from every source: a write must not
        miss a newer record one of them holds."""
        cached = await self.from_cache(handle)
        found = await self.find(handle, use_cache=False)
        return best(cached, None if found is None else found.entry)

    async def remember(self, entry: HandleEntry) -> None:
        """Put an active record in Redis, for no longer than it is valid, and
        index its owner and alias there."""
        ttl_s = min(c.CACHE_TTL_S, (entry.record.expires_at_us - self.now_us()) / 1_000_000)
        if ttl_s <= 0:
            return
        await self.cache.set(c.KIND_RECORD, entry.handle, entry.record.encode(), ttl_s)
        await self.cache.zadd(
            c.KIND_OWNER, entry.owner.hex(), {entry.handle: float(entry.record.expires_at_us)}
        )
        if entry.payload.alias:
            await self.cache.set(
                c.KIND_ALIAS, entry.payload.alias, entry.handle.encode("ascii"), ttl_s
            )

    async def forget(self, handle: str) -> None:
        await self.cache.delete(c.KIND_RECORD, handle)
