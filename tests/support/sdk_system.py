"""Shared pieces of the SDK's system tests: a module's System and fresh names."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from ipndht_client import Endpoints
from tests.support.redis import RedisProcess
from tests.support.system import System


@contextmanager
def running_system(root: Path, redis_server: RedisProcess) -> Iterator[System]:
    """The whole system on the shared Redis (emptied first), stopped after."""
    client = redis.Redis.from_url(redis_server.url)
    try:
        client.flushdb()
    finally:
        client.close()
    with System(root, redis_url=redis_server.url) as system:
        yield system


def endpoints_of(system: System) -> Endpoints:
    return Endpoints(
        discovery=system.endpoints["discovery"],
        handles=system.endpoints["handles"],
        content=system.endpoints["content"],
    )


def fresh_handle(prefix: str = "sdk") -> str:
    """A handle nobody has used: ``@<prefix>-<12 hex>.ipn``."""
    return f"@{prefix}-{os.urandom(6).hex()}.ipn"
