"""Three content services on a swarm of twenty DHT nodes, sharing Redis:
content provided on one is found from the others, withdrawn from another,
and the timeline is the same from every service, from Redis or the DHT."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from ipndht.v1 import common_pb2, content_pb2
from ipndht_client import content as sdk
from services.content.service import build
from services.core.dht.swarm import Swarm
from services.core.host import CONTENT, ServiceHost
from services.core.nodes import build_policy
from services.core.records import keys
from tests.support.content_service import content_stub, find, list_all
from tests.support.redis import RedisProcess
from tests.support.services import make_settings, start_host

pytestmark = pytest.mark.cluster


def blake() -> common_pb2.ContentHash:
    return common_pb2.ContentHash(algorithm=common_pb2.HASH_ALGORITHM_BLAKE3, digest=os.urandom(32))


@contextlib.asynccontextmanager
async def cluster(tmp_path: Path, redis_url: str) -> AsyncIterator[list[ServiceHost]]:
    swarm = Swarm(build_policy(make_settings(tmp_path)), seed=7)
    hosts: list[ServiceHost] = []
    try:
        await swarm.start(20)
        for i in range(3):
            seeds = [
                f"{ip}:{port}" for ip, port in (n.address for n in swarm.nodes[i * 5 : i * 5 + 3])
            ]
            settings = make_settings(
                tmp_path / f"svc{i}",
                redis_url=redis_url,
                bootstrap=seeds,
                min_peers=2,
                timeline_bucket_s=2,
            )
            hosts.append(await start_host(settings, CONTENT, build))
        yield hosts
    finally:
        for host in hosts:
            await host.stop(grace_s=0)
        await swarm.stop()


async def _provide(host: ServiceHost, key: keys.Ed25519PrivateKey, n: int) -> list[str]:
    timers = []
    async with content_stub(host) as stub:
        for _ in range(n):
            record = sdk.provider_record(key, blake(), ["tcp://127.0.0.1:1"])
            reply = await stub.Provide(content_pb2.ProvideRequest(record=record))
            timers.append(reply.hash_timer.hex)
    return timers


async def test_three_services_and_twenty_nodes_agree(
    tmp_path: Path, redis_flushed: RedisProcess
) -> None:
    """Provided on one service, found from the others; withdrawn through
    another; the timeline lists every service's announcements exactly once,
    in order, the same before and after Redis is flushed."""
    async with cluster(tmp_path, redis_flushed.url) as hosts:
        key = keys.generate_private_key()
        content = blake()
        async with content_stub(hosts[0]) as a:
            await a.Provide(
                content_pb2.ProvideRequest(record=sdk.provider_record(key, content, seq=1))
            )
        for host in hosts[1:]:
            async with content_stub(host) as stub:
                found = await find(stub, content)
                assert [f.provider_key for f in found] == [keys.public_key_bytes(key)]
        async with content_stub(hosts[1]) as b:
            await b.StopProviding(
                content_pb2.StopProvidingRequest(record=sdk.withdrawal(key, content, seq=2))
            )
        async with content_stub(hosts[2]) as c:
            assert await find(c, content) == []

        signers = [keys.generate_private_key() for _ in hosts]
        batches = await asyncio.gather(
            *(_provide(h, k, 12) for h, k in zip(hosts, signers, strict=True))
        )
        timers = sorted(t for batch in batches for t in batch)
        since = int(timers[0][:14], 16)
        until = int(timers[-1][:14], 16) + 1
        window = {"since_us": since, "until_us": until, "limit": 5}
        answers = []
        for host in hosts:
            async with content_stub(host) as stub:
                answers.append([e.hash_timer.hex for e in await list_all(stub, **window)])
        client = aioredis.Redis.from_url(redis_flushed.url)
        await client.flushdb()
        await client.aclose()
        for host in hosts:
            async with content_stub(host) as stub:
                answers.append([e.hash_timer.hex for e in await list_all(stub, **window)])
        for answer in answers:
            assert answer == timers
