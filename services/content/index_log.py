"""Paged, signed index records in the DHT: one writer per content service,
any number of readers.

An index lives under a base key (a timeline bucket, a resource type) of an
index namespace (``index_records``). Each writer signs its own pages
``<base>/<n>`` and a head ``<base>`` holding its page count; a reader reads
every writer's head, then every page number up to the largest count, and
takes the union of the items.

Appends to one base are coalesced: while one write of a base is under way,
later items queue and go out together in the next write, and every append
returns only once its item is stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from services.content import index_records as ir
from services.content.constants import (
    INDEX_PAGE_BUDGET_BYTES,
    INDEX_READ_CONCURRENCY,
    MAX_INDEX_PAGES,
)
from services.content.published import Published, PublishedStore
from services.core.errors import InvalidArgument, IpndhtError, ResourceExhausted
from services.core.logging import get_logger
from services.core.records import keys
from services.core.records.model import decode, dht_key
from services.core.records.policy import RecordInfo
from services.core.records.signing import sign_record

log = get_logger(__name__)

Clock = Callable[[], int]


class RecordDht(Protocol):
    """The part of the DHT node the content service uses."""

    async def add_provider(self, record_bytes: bytes, dht_key: bytes | None = None) -> int: ...

    def add_provider_locally(
        self, record_bytes: bytes, dht_key: bytes | None = None
    ) -> RecordInfo: ...

    async def replicate(self, info: RecordInfo) -> int: ...

    async def get_providers(self, dht_key: bytes, limit: int = 20) -> list[bytes]: ...


@dataclass
class _Base:
    pages: list[list[bytes]] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    expiries: list[int] = field(default_factory=list)
    seqs: dict[bytes, int] = field(default_factory=dict)
    where: dict[bytes, int] = field(default_factory=dict)


_Pending = tuple[bytes, int, "asyncio.Future[int]"]


class IndexWriter:
    """Signs and stores this service's pages of one index namespace."""

    def __init__(
        self,
        dht: RecordDht,
        private_key: keys.Ed25519PrivateKey,
        namespace: str,
        published: PublishedStore,
        clock: Clock,
    ) -> None:
        self._dht = dht
        self._key = private_key
        self._signer = keys.public_key_bytes(private_key)
        self._ns = namespace
        self._published = published
        self._clock = clock
        self._bases: dict[str, _Base] = {}
        self._pending: dict[str, list[_Pending]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    @property
    def signer(self) -> bytes:
        return self._signer

    async def append(self, base: str, item: bytes, expires_at_us: int) -> int:
        """Add ``item`` under ``base`` (no-op if there); return DHT holders."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pending.setdefault(base, []).append((item, expires_at_us, future))
        if base not in self._tasks:
            self._tasks[base] = asyncio.get_running_loop().create_task(self._drain(base))
        return await asyncio.shield(future)

    async def _drain(self, base: str) -> None:
        try:
            while self._pending.get(base):
                batch = self._pending.pop(base)
                try:
                    holders = await self._flush(base, batch)
                except Exception as exc:
                    for _, _, fut in batch:
                        if not fut.done():
                            fut.set_exception(exc)
                    continue
                for _, _, fut in batch:
                    if not fut.done():
                        fut.set_result(holders)
        finally:
            self._tasks.pop(base, None)

    def _load(self, base: str) -> _Base:
        state = self._bases.get(base)
        if state is not None:
            return state
        state = _Base()
        head = self._published.get(dht_key(self._ns, base.encode()), self._signer)
        count = ir.parse_head(decode(head.raw).value) if head is not None else 0
        state.seqs[base.encode()] = head.seq if head is not None else 0
        for n in range(count):
            key = ir.page_key(base, n)
            held = self._published.get(dht_key(self._ns, key), self._signer)
            items = ir.decode_items(decode(held.raw).value) if held is not None else []
            state.pages.append(items)
            state.sizes.append(sum(ir.item_bytes(i) for i in items))
            state.expiries.append(held.expires_at_us if held is not None else 0)
            state.seqs[key] = held.seq if held is not None else 0
            for item in items:
                state.where[item] = n
        self._bases[base] = state
        return state

    async def _flush(self, base: str, batch: list[_Pending]) -> int:
        state = self._load(base)
        pages_before = len(state.pages)
        changed: set[int] = set()
        for item, expires, _ in batch:
            at = state.where.get(item)
            if at is None:
                if (
                    not state.pages
                    or state.sizes[-1] + ir.item_bytes(item) > INDEX_PAGE_BUDGET_BYTES
                ):
                    if len(state.pages) >= MAX_INDEX_PAGES:
                        raise ResourceExhausted(
                            f"the index {base!r} is full ({MAX_INDEX_PAGES} pages)"
                        )
                    state.pages.append([])
                    state.sizes.append(0)
                    state.expiries.append(0)
                at = len(state.pages) - 1
                state.pages[at].append(item)
                state.sizes[at] += ir.item_bytes(item)
                state.where[item] = at
                changed.add(at)
            if expires > state.expiries[at]:
                state.expiries[at] = expires
                changed.add(at)
        records = [
            self._sign(
                state, ir.page_key(base, n), ir.encode_items(state.pages[n]), state.expiries[n]
            )
            for n in sorted(changed)
        ]
        if len(state.pages) != pages_before or changed:
            head_value = str(len(state.pages)).encode()
            records.append(self._sign(state, base.encode(), head_value, max(state.expiries)))
        results = await asyncio.gather(*(self._store(raw) for raw in records))
        return min(results, default=0)

    def _sign(self, state: _Base, key: bytes, value: bytes, expires_at_us: int) -> bytes:
        now = self._clock()
        seq = max(state.seqs.get(key, 0) + 1, now)
        state.seqs[key] = seq
        expires = min(max(expires_at_us, now + 1), now + ir.INDEX_MAX_TTL_US)
        record = sign_record(self._key, self._ns, key, value, seq, now, expires)
        raw = record.encode()
        self._published.put(Published(record.dht_key(), self._signer, raw, seq, expires, now))
        return raw

    async def _store(self, raw: bytes) -> int:
        try:
            return await self._dht.add_provider(raw)
        except IpndhtError as exc:
            log.warning("index_store_failed", namespace=self._ns, error=str(exc))
            raise

    def forget_before(self, predicate: Callable[[str], bool]) -> None:
        """Drop in-memory state of bases for which ``predicate`` is true."""
        for base in [b for b in self._bases if predicate(b)]:
            if base not in self._tasks:
                del self._bases[base]


class IndexReader:
    """Reads the union of every writer's pages of one base."""

    def __init__(self, dht: RecordDht, namespace: str) -> None:
        self._dht = dht
        self._ns = namespace

    async def read(self, base: str) -> list[bytes]:
        heads = await self._dht.get_providers(dht_key(self._ns, base.encode()), ir.INDEX_SET_CAP)
        count = 0
        for raw in heads:
            try:
                count = max(count, ir.parse_head(decode(raw).value))
            except IpndhtError:
                continue
        gate = asyncio.Semaphore(INDEX_READ_CONCURRENCY)

        async def page(n: int) -> list[bytes]:
            async with gate:
                key = dht_key(self._ns, ir.page_key(base, n))
                return await self._dht.get_providers(key, ir.INDEX_SET_CAP)

        seen: dict[bytes, None] = {}
        for records in await asyncio.gather(*(page(n) for n in range(count))):
            for raw in records:
                try:
                    items = ir.decode_items(decode(raw).value)
                except (InvalidArgument, IpndhtError):
                    continue
                for item in items:
                    seen.setdefault(item, None)
        return list(seen)
