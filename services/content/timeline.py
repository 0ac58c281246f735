"""The timeline: every announcement by HashTimer, listed by time window.

Writes go to the DHT index (``timeline`` pages per time bucket, written by
``IndexWriter``) and to the Redis mirror, a sorted set scored by the
HashTimer time whose members are ``<hashtimer hex>:<ContentEntry hex>``
(equal scores sort by member, so by HashTimer). A bucket is read from Redis
only while its completeness marker is there; the marker is set after the
bucket was read in full from the DHT and copied into the sorted set, so a
flushed or restarted Redis is refilled bucket by bucket and never answers
from a partial copy. Either path gives the same entries.

Announcements stay listed for the retention period (the provider record
lifetime setting); older ones are left out on both paths alike.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from prometheus_client import Counter

from ipndht.v1 import content_pb2
from services.content import hashtimer
from services.content.constants import (
    BUCKET_MARKER_TTL_S,
    BUCKET_MEMO_MAX,
    BUCKET_MEMO_US,
    BUCKET_READ_CONCURRENCY,
    MAX_ANNOUNCE_SKEW_US,
    MAX_BUCKETS_PER_CALL,
    ZSET_BATCH,
)
from services.content.index_log import IndexReader, IndexWriter
from services.content.index_records import parse_entry
from services.core.cache import Cache
from services.core.errors import InvalidArgument
from services.core.logging import get_logger

log = get_logger(__name__)

ZSET_KIND = "timeline"
ZSET_KEY = "entries"
MARKER_KIND = "timeline-bucket"

#: Time buckets read per source: a cold or flushed Redis shows as DHT reads.
BUCKET_READS = Counter(
    "ipndht_content_timeline_bucket_reads",
    "Timeline buckets read by ListContent, by source (redis or dht)",
    ["source"],
)


def member_of(entry: content_pb2.ContentEntry) -> str:
    """The sorted-set member of an entry."""
    return f"{entry.hash_timer.hex}:{entry.SerializeToString(deterministic=True).hex()}"


def entry_of(member: str) -> content_pb2.ContentEntry | None:
    """The entry of a sorted-set member, checked again; None when malformed."""
    timer, _, body = member.partition(":")
    try:
        entry = parse_entry(bytes.fromhex(body))
    except (InvalidArgument, ValueError):
        return None
    return entry if entry.hash_timer.hex == timer else None


class Timeline:
    """Adds announcements and lists them by window, cursor and order."""

    def __init__(
        self,
        writer: IndexWriter,
        reader: IndexReader,
        cache: Cache,
        *,
        bucket_s: int,
        retention_s: int,
        clock: Callable[[], int],
    ) -> None:
        self._writer = writer
        self._reader = reader
        self._cache = cache
        self.bucket_us = bucket_s * 1_000_000
        self.retention_us = retention_s * 1_000_000
        self._clock = clock
        self._mirror_broken_until = 0
        # Buckets just read from the DHT: paging through one large bucket
        # without Redis then reads it once, not once per page.
        self._memo: dict[int, tuple[int, list[content_pb2.ContentEntry]]] = {}

    def bucket_of(self, time_us: int) -> int:
        return time_us - time_us % self.bucket_us

    async def add(self, entry: content_pb2.ContentEntry) -> int:
        """Index ``entry`` in the DHT, then mirror it in Redis; DHT holders."""
        t = entry.hash_timer.time_us
        bucket = self.bucket_of(t)
        raw = entry.SerializeToString(deterministic=True)
        self._memo.pop(bucket, None)
        holders = await self._writer.append(
            str(bucket), raw, bucket + self.bucket_us + self.retention_us
        )
        if not await self._cache.zadd(ZSET_KIND, ZSET_KEY, {member_of(entry): float(t)}):
            # The mirror may now miss this entry: read from the DHT until
            # every marker set before now has expired.
            self._mirror_broken_until = self._clock() + int(BUCKET_MARKER_TTL_S * 1_000_000)
        return holders

    async def window(
        self, since_us: int, until_us: int, limit: int, descending: bool, after: str | None
    ) -> tuple[list[content_pb2.ContentEntry], str | None]:
        """Entries with since <= time < until after the cursor, at most
        ``limit``, and the cursor of the next page (None at the end)."""
        now = self._clock()
        lo = max(since_us, now - self.retention_us)
        # No entry is timed later than the announce skew past this clock
        # (Provide refuses such records); a window end beyond it, up to
        # 2^64 - 1 on the wire, would also be past what a HashTimer holds.
        hi = min(until_us, now + MAX_ANNOUNCE_SKEW_US + 1)
        if lo >= hi:
            return [], None
        cursor = hashtimer.parse(after) if after else None
        step = -self.bucket_us if descending else self.bucket_us
        if descending:
            start = hi - 1 if cursor is None else min(hi - 1, cursor.time_us)
            last = self.bucket_of(lo)
        else:
            start = lo if cursor is None else max(lo, cursor.time_us)
            last = self.bucket_of(hi - 1)
        bucket = self.bucket_of(start)
        out: list[content_pb2.ContentEntry] = []
        visited = 0
        width = 1

        def inside(b: int) -> bool:
            return (b >= last) if descending else (b <= last)

        while inside(bucket):
            if visited >= MAX_BUCKETS_PER_CALL:
                edge = (
                    hashtimer.lowest(bucket + self.bucket_us)
                    if descending
                    else (hashtimer.highest(bucket - 1))
                )
                return out, edge
            # Buckets are read a few at a time, more after each one that did
            # not fill the page: a long, mostly empty window costs
            # 256 / BUCKET_READ_CONCURRENCY lookup latencies, not 256.
            group = [bucket + i * step for i in range(width)]
            group = [b for b in group if inside(b)][: MAX_BUCKETS_PER_CALL - visited]
            need = limit - len(out)
            results = await asyncio.gather(
                *(self._bucket(b, lo, hi, after, need, descending) for b in group)
            )
            for got in results:
                visited += 1
                out.extend(got[: limit - len(out)])
                if len(out) >= limit:
                    return out, out[-1].hash_timer.hex
            bucket = group[-1] + step
            width = min(width * 2, BUCKET_READ_CONCURRENCY)
        return out, None

    async def _bucket(
        self, bucket: int, lo: int, hi: int, after: str | None, need: int, descending: bool
    ) -> list[content_pb2.ContentEntry]:
        low = max(lo, bucket)
        high = min(hi, bucket + self.bucket_us) - 1
        if low > high:
            return []
        if self._clock() >= self._mirror_broken_until and await self._cache.get(
            MARKER_KIND, str(bucket)
        ):
            found = await self._from_redis(low, high, after, need, descending)
            if found is not None:
                BUCKET_READS.labels("redis").inc()
                return found
        BUCKET_READS.labels("dht").inc()
        entries = await self._from_dht(bucket)
        kept = [
            e
            for e in entries
            if low <= e.hash_timer.time_us <= high and _after(e.hash_timer.hex, after, descending)
        ]
        kept.sort(key=lambda e: e.hash_timer.hex, reverse=descending)
        return kept

    async def _from_dht(self, bucket: int) -> list[content_pb2.ContentEntry]:
        """The bucket's entries from the DHT (or the memo of a read just made),
        copied into the Redis mirror, which is then marked complete."""
        now = self._clock()
        memo = self._memo.get(bucket)
        if memo is not None and memo[0] > now:
            entries = memo[1]
        else:
            entries = []
            for raw in await self._reader.read(str(bucket)):
                try:
                    entries.append(parse_entry(raw))
                except InvalidArgument:
                    continue
            if len(self._memo) >= BUCKET_MEMO_MAX:
                self._memo = {b: m for b, m in self._memo.items() if m[0] > now}
                if len(self._memo) >= BUCKET_MEMO_MAX:
                    self._memo.clear()
            self._memo[bucket] = (now + BUCKET_MEMO_US, entries)
        members = {member_of(e): float(e.hash_timer.time_us) for e in entries}
        if await self._cache.zadd(ZSET_KIND, ZSET_KEY, members):
            await self._cache.set(MARKER_KIND, str(bucket), b"1", BUCKET_MARKER_TTL_S)
        return entries

    async def _from_redis(
        self, low: int, high: int, after: str | None, need: int, descending: bool
    ) -> list[content_pb2.ContentEntry] | None:
        if after is not None:
            t = int(after[: 2 * hashtimer.TIME_BYTES], 16)
            if descending:
                high = min(high, t)
            else:
                low = max(low, t)
        kept: list[content_pb2.ContentEntry] = []
        offset = 0
        while len(kept) < need and low <= high:
            rows = await self._cache.zrange_by_score(
                ZSET_KIND,
                ZSET_KEY,
                low,
                high,
                offset=offset,
                count=ZSET_BATCH,
                descending=descending,
            )
            if rows is None:
                return None
            offset += len(rows)
            for member, _ in rows:
                entry = entry_of(member)
                if entry is not None and _after(entry.hash_timer.hex, after, descending):
                    kept.append(entry)
            if len(rows) < ZSET_BATCH:
                break
        return kept

    async def trim(self) -> int:
        """Remove mirror entries older than the retention period."""
        cutoff = self._clock() - self.retention_us
        rows = await self._cache.zrange_by_score(
            ZSET_KIND, ZSET_KEY, 0, cutoff - 1, count=ZSET_BATCH
        )
        if not rows:
            return 0
        await self._cache.zrem(ZSET_KIND, ZSET_KEY, [m for m, _ in rows])
        return len(rows)


def _after(hex_: str, cursor: str | None, descending: bool) -> bool:
    if cursor is None:
        return True
    return hex_ < cursor if descending else hex_ > cursor
