"""The shared Redis cache behind one small interface.

Redis is never the source of truth. When it is down, slow or restarting,
every call degrades to "no cache" within ``timeout`` (no RPC waits more than
about 100 ms on a dead Redis): the first failure opens a circuit, one log
line and a metric say so, later calls bypass Redis at once, and a background
probe closes the circuit when Redis answers again.

Keys are namespaced ``ipndht:<kind>:<key>``; callers pass only kind and key.
Values read back are bytes and must be verified again by the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Protocol, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from services.core import constants as c
from services.core import metrics
from services.core.logging import get_logger

log = get_logger(__name__)

T = TypeVar("T")


def cache_key(kind: str, key: str) -> str:
    """The namespaced Redis key of ``key`` in ``kind``."""
    return f"{c.REDIS_KEY_PREFIX}:{kind}:{key}"


class Cache(Protocol):
    """What services may ask of the cache. Every call is best effort."""

    @property
    def up(self) -> bool: ...

    async def get(self, kind: str, key: str) -> bytes | None: ...

    async def get_many(self, kind: str, keys: Sequence[str]) -> list[bytes | None]: ...

    async def set(self, kind: str, key: str, value: bytes, ttl_s: float) -> bool: ...

    async def claim(
        self, kind: str, key: str, token: bytes, ttl_s: float, *, wait_s: float | None = None
    ) -> bool | None:
        """Hold ``key`` for ``token`` unless another token holds it. True: held
        for ``token`` (now, or already: a retry); False: another token holds
        it; None: cache down.

        ``wait_s``: a false "cache down" costs a claim more than a slow call:
        Redis is asked even while the circuit is open, and its answer awaited
        up to ``wait_s`` instead of the usual timeout.
        """
        ...

    async def delete(self, kind: str, key: str) -> bool: ...

    async def zadd(self, kind: str, key: str, members: Mapping[str, float]) -> bool: ...

    async def zrange_by_score(
        self,
        kind: str,
        key: str,
        low: float,
        high: float,
        *,
        offset: int = 0,
        count: int = 100,
        descending: bool = False,
    ) -> list[tuple[str, float]] | None:
        """Members with ``low <= score <= high``; None when the cache is down."""
        ...

    async def zrem(self, kind: str, key: str, members: Sequence[str]) -> bool: ...

    async def close(self) -> None: ...


class NullCache:
    """No cache at all: every read misses, every write is dropped."""

    def __init__(self, service: str = "") -> None:
        metrics.CACHE_UP.labels(service).set(0)

    up = False

    async def get(self, kind: str, key: str) -> bytes | None:
        return None

    async def get_many(self, kind: str, keys: Sequence[str]) -> list[bytes | None]:
        return [None] * len(keys)

    async def set(self, kind: str, key: str, value: bytes, ttl_s: float) -> bool:
        return False

    async def claim(
        self, kind: str, key: str, token: bytes, ttl_s: float, *, wait_s: float | None = None
    ) -> bool | None:
        return None

    async def delete(self, kind: str, key: str) -> bool:
        return False

    async def zadd(self, kind: str, key: str, members: Mapping[str, float]) -> bool:
        return False

    async def zrange_by_score(
        self,
        kind: str,
        key: str,
        low: float,
        high: float,
        *,
        offset: int = 0,
        count: int = 100,
        descending: bool = False,
    ) -> list[tuple[str, float]] | None:
        return None

    async def zrem(self, kind: str, key: str, members: Sequence[str]) -> bool:
        return False

    async def close(self) -> None:
        return None


class _Failed:
    """Marks a call that did not reach Redis."""


_FAILED = _Failed()


class RedisCache:
    """The Redis implementation with a circuit breaker."""

    def __init__(
        self,
        url: str,
        *,
        service: str = "",
        timeout_s: float = c.CACHE_OP_TIMEOUT_S,
        client: aioredis.Redis | None = None,
    ) -> None:
        self._timeout = timeout_s
        self._service = service
        self._client = client or aioredis.Redis.from_url(
            url,
            # Each call's own deadline (``_call``) bounds it; the socket
            # timeouts are only a backstop, so a claim may wait longer.
            socket_timeout=c.CACHE_SOCKET_BACKSTOP_S,
            socket_connect_timeout=c.CACHE_SOCKET_BACKSTOP_S,
            retry=Retry(NoBackoff(), 0),
            health_check_interval=0,
        )
        self._up = True
        self._probe: asyncio.Task[None] | None = None
        self._gauge = metrics.CACHE_UP.labels(service)
        self._gauge.set(1)
        self._results = {
            name: metrics.CACHE_REQUESTS.labels(service, name)
            for name in ("hit", "miss", "error", "bypass")
        }
        self._outages = metrics.CACHE_OUTAGES.labels(service)

    @property
    def up(self) -> bool:
        return self._up

    @property
    def client(self) -> aioredis.Redis:
        return self._client

    async def start(self) -> None:
        """Check Redis once so that a dead cache is reported at start-up."""
        await self._call(self._client.ping)

    # -- the circuit -------------------------------------------------------------

    async def _call(
        self, op: Callable[[], Awaitable[T]], wait_s: float | None = None
    ) -> T | _Failed:
        if not self._up and wait_s is None:
            return _FAILED
        try:
            async with asyncio.timeout(self._timeout if wait_s is None else wait_s):
                return await op()
        except (RedisError, OSError, TimeoutError) as exc:
            self._trip(exc)
            return _FAILED

    def _trip(self, exc: BaseException) -> None:
        if not self._up:
            return
        self._up = False
        self._gauge.set(0)
        self._outages.inc()
        log.warning(
            "cache_unavailable",
            error=f"{type(exc).__name__}: {exc}",
            detail="serving without cache until Redis answers again",
        )
        self._probe = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        delay = c.CACHE_RETRY_MIN_S
        while True:
            await asyncio.sleep(delay)
            try:
                async with asyncio.timeout(self._timeout * 5):
                    await self._client.ping()
            except (RedisError, OSError, TimeoutError):
                delay = min(delay * 2, c.CACHE_RETRY_MAX_S)
                continue
            self._up = True
            self._gauge.set(1)
            log.info("cache_reconnected")
            self._probe = None
            return

    def _count(self, result: str) -> None:
        self._results[result].inc()

    # -- operations --------------------------------------------------------------

    async def get(self, kind: str, key: str) -> bytes | None:
        if not self._up:
            self._count("bypass")
            return None
        value = await self._call(lambda: self._client.get(cache_key(kind, key)))
        if isinstance(value, _Failed):
            self._count("error")
            return None
        self._count("hit" if value is not None else "miss")
        return value if isinstance(value, bytes | None) else value.encode()

    async def get_many(self, kind: str, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        values = await self._call(lambda: self._client.mget([cache_key(kind, key) for key in keys]))
        if isinstance(values, _Failed):
            return [None] * len(keys)
        return [v.encode() if isinstance(v, str) else v for v in values]

    async def set(self, kind: str, key: str, value: bytes, ttl_s: float) -> bool:
        ttl_ms = int(ttl_s * 1000)
        if ttl_ms <= 0:
            return False
        done = await self._call(lambda: self._client.set(cache_key(kind, key), value, px=ttl_ms))
        return not isinstance(done, _Failed) and bool(done)

    async def claim(
        self, kind: str, key: str, token: bytes, ttl_s: float, *, wait_s: float | None = None
    ) -> bool | None:
        ttl_ms = max(1, int(ttl_s * 1000))
        name = cache_key(kind, key)

        async def op() -> bool:
            # SET NX, then who holds it: one deadline covers both, so a retry
            # is never refused because the second call found the circuit open.
            if await self._client.set(name, token, px=ttl_ms, nx=True):
                return True
            return bool(await self._client.get(name) == token)

        done = await self._call(op, wait_s)
        return None if isinstance(done, _Failed) else done

    async def delete(self, kind: str, key: str) -> bool:
        done = await self._call(lambda: self._client.delete(cache_key(kind, key)))
        return not isinstance(done, _Failed)

    async def zadd(self, kind: str, key: str, members: Mapping[str, float]) -> bool:
        if not members:
            return True
        done = await self._call(lambda: self._client.zadd(cache_key(kind, key), dict(members)))
        return not isinstance(done, _Failed)

    async def zrange_by_score(
        self,
        kind: str,
        key: str,
        low: float,
        high: float,
        *,
        offset: int = 0,
        count: int = 100,
        descending: bool = False,
    ) -> list[tuple[str, float]] | None:
        name = cache_key(kind, key)
        if descending:
            op = lambda: self._client.zrevrangebyscore(  # noqa: E731
                name, high, low, start=offset, num=count, withscores=True
            )
        else:
            op = lambda: self._client.zrangebyscore(  # noqa: E731
                name, low, high, start=offset, num=count, withscores=True
            )
        rows = await self._call(op)
        if isinstance(rows, _Failed):
            return None
        out: list[tuple[str, float]] = []
        for row in rows:
            member, score = row[0], row[1]
            name_ = member.decode() if isinstance(member, bytes) else str(member)
            out.append((name_, float(score)))
        return out

    async def zrem(self, kind: str, key: str, members: Sequence[str]) -> bool:
        if not members:
            return True
        done = await self._call(lambda: self._client.zrem(cache_key(kind, key), *members))
        return not isinstance(done, _Failed)

    async def close(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
            self._probe = None
        with contextlib.suppress(RedisError, OSError, TimeoutError):
            await self._client.aclose()


async def open_cache(url: str, *, service: str, timeout_s: float) -> Cache:
    """A started cache for ``url``; a NullCache when ``url`` is empty."""
    if not url:
        log.info("cache_disabled", detail="IPNDHT_REDIS_URL is empty")
        return NullCache(service)
    cache = RedisCache(url, service=service, timeout_s=timeout_s)
    await cache.start()
    return cache
