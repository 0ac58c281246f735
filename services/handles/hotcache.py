"""The in-process answer cache of Resolve, invalidated through Redis.

Every registry publishes the handle of each accepted write on one Redis
pub/sub channel and listens on it; a message drops that handle's answers
here, so a write through one registry is seen by every other within the
pub/sub delay (milliseconds). The cache is used only while the
subscription is live: when it drops (Redis down), the cache is emptied and
bypassed until the registry has subscribed again, so a missed invalidation
can never be served. Entries also die at their record's expiry and after
``HOT_MAX_AGE_S`` at most.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Generic, TypeVar

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from services.core.logging import get_logger
from services.handles import constants as c

log = get_logger(__name__)

T = TypeVar("T")


class HotCache(Generic[T]):
    """Answers by query text, dropped by handle. A hit is one dict lookup and
    one clock read."""

    def __init__(self, max_entries: int = c.HOT_MAX_ENTRIES, max_age_s: float = c.HOT_MAX_AGE_S):
        self._entries: dict[str, tuple[T, float]] = {}
        self._queries: dict[str, list[str]] = {}
        self._max_entries = max_entries
        self._max_age_s = max_age_s
        #: Incremented by every invalidation: an answer computed before one
        #: is not stored (it may predate the write that caused it).
        self.epoch = 0
        self.enabled = False

    def get(self, query: str) -> T | None:
        entry = self._entries.get(query)
        if entry is None:
            return None
        if time.time() >= entry[1]:
            del self._entries[query]
            return None
        return entry[0]

    def put(self, query: str, handle: str, answer: T, expires_at_us: int, epoch: int) -> None:
        """Keep ``answer`` unless an invalidation happened since ``epoch``."""
        if not self.enabled or epoch != self.epoch:
            return
        if len(self._entries) >= self._max_entries:
            self.clear()
        deadline = min(expires_at_us / 1_000_000, time.time() + self._max_age_s)
        self._entries[query] = (answer, deadline)
        self._queries.setdefault(handle, []).append(query)

    def invalidate(self, handle: str) -> None:
        self.epoch += 1
        for query in self._queries.pop(handle, ()):
            self._entries.pop(query, None)

    def clear(self) -> None:
        self.epoch += 1
        self._entries.clear()
        self._queries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class Invalidations:
    """Publishes and receives handle invalidations on a Redis channel."""

    def __init__(self, url: str, hot: HotCache[T]) -> None:
        self._hot = hot
        self._listen_client = aioredis.Redis.from_url(url, socket_connect_timeout=1.0)
        self._publish_client = aioredis.Redis.from_url(
            url,
            socket_timeout=c.PUBLISH_TIMEOUT_S,
            socket_connect_timeout=c.PUBLISH_TIMEOUT_S,
        )
        self.subscribed = asyncio.Event()

    async def publish(self, handle: str) -> bool:
        """Announce a write of ``handle``; False when Redis did not take it."""
        try:
            async with asyncio.timeout(c.PUBLISH_TIMEOUT_S):
                await self._publish_client.publish(c.INVALIDATION_CHANNEL, handle)
        except (RedisError, OSError, TimeoutError) as exc:
            log.warning("handle_invalidation_not_published", handle=handle, error=str(exc))
            return False
        return True

    async def run(self) -> None:
        """Listen until cancelled, re-subscribing after every failure."""
        while True:
            try:
                await self._listen()
            except (RedisError, OSError, TimeoutError) as exc:
                if self._hot.enabled:
                    log.warning("handle_invalidations_lost", error=str(exc))
            self._hot.enabled = False
            self._hot.clear()
            self.subscribed.clear()
            await asyncio.sleep(c.SUBSCRIBE_RETRY_S)

    async def _listen(self) -> None:
        pubsub = self._listen_client.pubsub()
        try:
            await pubsub.subscribe(c.INVALIDATION_CHANNEL)
            # Writes made while unsubscribed were missed: start empty.
            self._hot.clear()
            self._hot.enabled = True
            self.subscribed.set()
            log.info("handle_invalidations_subscribed")
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                data = message.get("data")
                handle = data.decode("ascii", "replace") if isinstance(data, bytes) else str(data)
                self._hot.invalidate(handle)
        finally:
            self._hot.enabled = False
            with contextlib.suppress(RedisError, OSError, TimeoutError):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def close(self) -> None:
        for client in (self._listen_client, self._publish_client):
            with contextlib.suppress(RedisError, OSError, TimeoutError):
                await client.aclose()
