"""Churn under load: handle-registry and content-routing hosts on a swarm of
DHT nodes answer Resolve and FindProviders from client tasks while waves of
10% of the swarm are killed (socket closed, no goodbye) and restarted with
the same id, address and durable store (issue 8, item 2, scenario 1).

The records are written first, then the churn runs; every read goes through
the reader hosts, which learn the records only from the DHT.
"""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

import grpc
import pytest

from ipndht.v1 import content_pb2, handles_pb2
from tests.support.faults import figure as record
from tests.support.faults import percentile
from tests.support.swarm_services import (
    SwarmServices,
    Written,
    restart,
    status_of,
    swarm_services,
    write_records,
)

pytestmark = pytest.mark.cluster

#: The issue's floor for the share of reads answered correctly under churn.
MIN_SUCCESS = 0.995
#: Client deadline of one read: far above a healthy lookup (tens of ms), so
#: a timeout means the read really failed.
READ_TIMEOUT_S = 10.0
#: Statuses that mean a bug rather than a fault the system reports.
BUG_CODES = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}


class Load:
    """Client tasks reading written records until told to stop."""

    def __init__(self, system: SwarmServices, written: Written, seed: int) -> None:
        self.resolve = system.handles(system.handles_reader)
        self.find = system.content(system.content_reader)
        self.written = written
        self.rng = random.Random(seed)
        self.latencies: list[float] = []
        self.ok = 0
        self.wrong = 0
        self.failures: list[object] = []
        self.stopping = asyncio.Event()

    async def _one(self) -> bool:
        if self.rng.random() < 0.5:
            name = self.rng.choice(list(self.written.handles))
            answer = await self.resolve.Resolve(
                handles_pb2.ResolveRequest(query=name), timeout=READ_TIMEOUT_S
            )
            return bool(answer.public_key == self.written.handles[name])
        content, provider = self.rng.choice(self.written.contents)
        call = self.find.FindProviders(
            content_pb2.FindProvidersRequest(content=content), timeout=READ_TIMEOUT_S
        )
        found = [item.provider_key async for item in call]
        return found == [provider]

    async def client(self) -> None:
        while not self.stopping.is_set():
            started = time.perf_counter()
            try:
                right = await self._one()
            except Exception as exc:  # every failure is counted and reported
                self.failures.append(status_of(exc))
                continue
            self.latencies.append(time.perf_counter() - started)
            self.ok += right
            self.wrong += not right

    @property
    def total(self) -> int:
        return self.ok + self.wrong + len(self.failures)


async def _churn(system: SwarmServices, waves: int, pause_s: float) -> int:
    """``waves`` times: kill 10% of the live swarm, wait, restart them, wait."""
    killed = 0
    for _ in range(waves):
        victims = await system.swarm.kill(0.10)
        killed += len(victims)
        await asyncio.sleep(pause_s)
        await asyncio.gather(*(restart(system.swarm, node) for node in victims))
        await asyncio.sleep(pause_s)
    return killed


async def _run(
    tmp_path: Path, *, nodes: int, waves: int, pause_s: float, clients: int, label: str
) -> None:
    async with swarm_services(tmp_path, nodes, seed=31) as system:
        written = await write_records(system, handles=30, contents=30, tag="churn")
        load = Load(system, written, seed=32)
        workers = [asyncio.ensure_future(load.client()) for _ in range(clients)]
        try:
            killed = await _churn(system, waves, pause_s)
        finally:
            load.stopping.set()
            await asyncio.gather(*workers)
        success = load.ok / max(1, load.total)
        p99 = percentile(load.latencies, 0.99)
        record(f"{label}_success_rate", success, "ratio")
        record(f"{label}_p99", p99 * 1000, "ms")
        record(f"{label}_reads", load.total, "count")
        record(f"{label}_nodes_killed", killed, "count")
        bugs = [f for f in load.failures if f in BUG_CODES]
        assert bugs == [], load.failures
        assert load.wrong == 0
        assert load.total >= 200, load.total
        assert success >= MIN_SUCCESS, (success, load.failures)
        assert killed >= waves * nodes // 10


async def test_reads_stay_correct_while_10_percent_waves_of_60_nodes_churn(tmp_path: Path) -> None:
    """60 nodes, three waves of 10% killed and restarted under eight reading
    clients: >= 99.5% of Resolve/FindProviders answers are right, none wrong,
    and no INTERNAL or UNKNOWN status."""
    await _run(tmp_path, nodes=60, waves=3, pause_s=1.0, clients=8, label="churn_60")


@pytest.mark.faults
@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_reads_stay_correct_while_30_percent_of_200_nodes_churn_in_waves(
    tmp_path: Path,
) -> None:
    """200 nodes, 30% killed and restarted in three waves of 10% under
    sixteen reading clients: >= 99.5% of Resolve/FindProviders answers are
    right, none wrong, and no INTERNAL or UNKNOWN status."""
    await _run(tmp_path, nodes=200, waves=3, pause_s=3.0, clients=16, label="churn_200")
