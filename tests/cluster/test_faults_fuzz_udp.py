"""Fuzzing a DHT node over raw UDP (tests/support/fuzz_udp.py): random bytes,
msgpack-shaped garbage, RPCs of the right shape with arguments of the wrong
types (and valid node ids, keys and signed records among them), valid
datagrams damaged.

The node runs in a small swarm with the real signed-record policy on an
event loop of its own thread, whose exception handler records every
exception no task handled. After the fuzz: nothing was recorded, the node
answers a well-formed ping, serves an honest get and its records, and
replaying the whole fuzz corpus again leaves its memory flat.
"""

from __future__ import annotations

import gc
import hashlib
import resource
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from ipndht.v1 import common_pb2
from services.core.dht.swarm import Swarm
from services.core.nodes import build_policy
from services.core.records import keys
from services.core.records.signing import sign_record
from tests.support.faults import figure as record
from tests.support.fuzz_hosts import LoopThread
from tests.support.fuzz_udp import Sender, datagrams
from tests.support.services import make_settings

pytestmark = pytest.mark.cluster

#: make test: the same 600 datagrams every run (derandomized).
FAST = settings(
    max_examples=600,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
#: The fault suite: 20,000 random datagrams.
LONG = settings(FAST, max_examples=20_000, derandomize=False)
#: Swarm size: enough for the target to have peers and serve lookups.
NODES = 8
#: Largest RSS growth (MiB) over replays of the corpus: allocator noise is a
#: few MiB; a leak of even 100 bytes per datagram over 3 replays of 20,000
#: datagrams would show as 6 MiB more.
RSS_SLACK_MIB = 8.0
#: Replays of the corpus between the two RSS readings.
REPLAYS = 3


def _rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _peer_record(i: int, private: keys.Ed25519PrivateKey) -> tuple[bytes, bytes]:
    node_id = hashlib.sha1(f"fuzz-peer-{i}".encode()).digest()
    payload = common_pb2.Peer(node_id=node_id, host="127.0.0.1", port=1000 + i)
    now = time.time_ns() // 1000
    signed = sign_record(
        private,
        "peer",
        node_id,
        payload.SerializeToString(deterministic=True),
        1,
        now,
        now + 3_600_000_000,
    )
    return signed.dht_key(), signed.encode()


@dataclass
class Target:
    runner: LoopThread
    swarm: Swarm
    records: dict[bytes, bytes]

    @property
    def node_address(self) -> tuple[str, int]:
        return self.swarm.nodes[0].address


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Target]:
    runner = LoopThread()
    swarm = Swarm(build_policy(make_settings(tmp_path)), seed=41)
    try:
        runner.run(swarm.start(NODES))
        private = keys.generate_private_key()
        records = dict(_peer_record(i, private) for i in range(10))
        for i, raw in enumerate(records.values()):
            runner.run(swarm.nodes[i % NODES].put(raw))
        yield Target(runner, swarm, records)
    finally:
        runner.run(swarm.stop())
        runner.close()


def _fuzz(target: Target, profile: settings) -> None:
    node = target.swarm.nodes[0]
    key, raw = next(iter(target.records.items()))
    extras = [node.node_id, key, raw, raw[:-1] + b"\x00", [node.node_id, "127.0.0.1", 1], 20]
    sender = Sender()
    corpus: list[bytes] = []
    before = node.stats()
    try:

        @profile
        @given(datagrams(extras))
        def one(data: bytes) -> None:
            sender.send(data, target.node_address)
            corpus.append(data)
            if sender.sent % 200 == 0:
                time.sleep(0.02)  # let the node's loop read its buffer

        one()
        time.sleep(0.5)
        assert target.runner.errors == [], target.runner.errors[:3]
        assert sender.ping(target.node_address, node.node_id)
        for key, raw in target.records.items():
            assert target.runner.run(target.swarm.nodes[NODES - 1].get(key)) == raw
        after = node.stats()
        seen = sum(after[k] - before[k] for k in ("rejected_datagrams", "rpc_requests"))
        assert seen >= len(corpus) // 2, (seen, len(corpus))

        def replay() -> None:
            for data in corpus:
                sender.send(data, target.node_address)
                if sender.sent % 200 == 0:
                    time.sleep(0.02)
            time.sleep(0.3)
            gc.collect()

        replay()
        rss_before = _rss_mib()
        for _ in range(REPLAYS):
            replay()
        rss_growth = _rss_mib() - rss_before
        record("fuzz_udp_datagrams", len(corpus) * (REPLAYS + 2), "count")
        record("fuzz_udp_rss_growth", rss_growth, "MiB")
        assert target.runner.errors == [], target.runner.errors[:3]
        assert sender.ping(target.node_address, node.node_id)
        assert rss_growth < RSS_SLACK_MIB
    finally:
        sender.close()


def test_fuzzed_datagrams_leave_the_node_answering_with_flat_memory(target: Target) -> None:
    """600 fixed hostile datagrams at a node: no unhandled task exception, it
    still answers pings and gets, and replays leave its memory flat."""
    _fuzz(target, FAST)


@pytest.mark.faults
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_twenty_thousand_fuzzed_datagrams_leave_the_node_answering(target: Target) -> None:
    """20,000 random hostile datagrams at a node: no unhandled task exception,
    it still answers pings and gets, and replays leave its memory flat."""
    _fuzz(target, LONG)
