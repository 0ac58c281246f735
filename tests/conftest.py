"""Shared fixtures: a real redis-server, and in-process services on free ports."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.redis import RedisProcess


@pytest.fixture(scope="session")
def redis_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    """One redis-server for the whole run (tests flush what they use)."""
    server = RedisProcess(tmp_path_factory.mktemp("redis-session"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisProcess]:
    """A redis-server of this test's own, free to kill -9 and restart."""
    server = RedisProcess(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def redis_flushed(redis_session: RedisProcess) -> AsyncIterator[RedisProcess]:
    """The session redis-server, emptied before the test."""
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(redis_session.url)
    await client.flushdb()
    await client.aclose()
    yield redis_session
