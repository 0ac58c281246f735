"""20% malicious nodes (forgers, stale replayers, oversize senders): honest gets
return no forged or stale record, honest nodes store no forgery and no
superseded version, and no honest node that holds the newer version of a
record ever takes the superseded one back. Run with the test JSON policy and
with the real signed-record policy (Ed25519 peer records), and for provider
sets (announcements superseded by re-announcements and withdrawals).

A replayed old version is refused by every holder of the newer one; a node
that did not hold the key (or the signer's entry in a set) and takes it
checks it against the key's closest holders (``freshness.py``)."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import itertools
import random
import time
from typing import Any

import pytest

from ipndht.v1 import common_pb2
from services.core.dht.adversary import MaliciousNode, MaliciousProtocol
from services.core.dht.config import DhtConfig
from services.core.dht.jsonrecords import JsonRecordPolicy, JsonSigner, forge_json, json_dht_key
from services.core.dht.swarm import Swarm
from services.core.records import keys, model
from services.core.records.rules import SignedRecordPolicy
from services.core.records.signing import sign_record

pytestmark = pytest.mark.cluster

CONFIG = DhtConfig(rpc_timeout_s=1.0)


class JsonKit:
    """Records of the test policy; a forgery bumps seq and re-signs with a wrong key."""

    def __init__(self) -> None:
        self.signer = JsonSigner()
        self.policy: Any = JsonRecordPolicy([self.signer])

    def make(self, i: int, seq: int) -> tuple[bytes, bytes]:
        return json_dht_key("handle", f"m{i}"), self.signer.make("handle", f"m{i}", f"v{seq}", seq)

    forge = staticmethod(forge_json)


class SignedKit:
    """Ed25519 "peer" records of services.core.records; a forgery changes the
    payload and bumps seq but keeps the old signature."""

    def __init__(self) -> None:
        self.private = keys.generate_private_key()
        self.policy: Any = SignedRecordPolicy([])

    def make(self, i: int, seq: int) -> tuple[bytes, bytes]:
        node_id = hashlib.sha1(f"peer-{i}".encode()).digest()
        payload = common_pb2.Peer(node_id=node_id, host="127.0.0.1", port=1000 + seq)
        now = time.time_ns() // 1000
        record = sign_record(
            self.private,
            "peer",
            node_id,
            payload.SerializeToString(deterministic=True),
            seq,
            now,
            now + 3_600_000_000,
        )
        return record.dht_key(), record.encode()

    @staticmethod
    def forge(raw: bytes) -> bytes:
        record = model.decode(raw)
        payload = common_pb2.Peer(node_id=record.key, host="203.0.113.66", port=6666)
        value = payload.SerializeToString(deterministic=True)
        return dataclasses.replace(record, seq=record.seq + 100, value=value).encode()


@pytest.mark.parametrize(
    ("kit_class", "honest_n", "malicious_n"),
    [
        pytest.param(JsonKit, 80, 20, id="json-policy-100"),
        pytest.param(SignedKit, 80, 20, id="signed-policy-100"),
        pytest.param(
            SignedKit, 160, 40, id="signed-policy-200", marks=[pytest.mark.faults, pytest.mark.slow]
        ),
    ],
)
async def test_20_percent_malicious_nodes_cannot_plant_forged_or_stale_records(
    kit_class: type[JsonKit] | type[SignedKit], honest_n: int, malicious_n: int
) -> None:
    """80 honest + 20 malicious nodes (160 + 40 in the fault suite); 60 keys each
    put at seq 1 then seq 2.
    Every honest get returns seq 2 (never a forgery or seq 1), no honest store
    holds a forgery, and no holder of seq 2 is turned back to seq 1."""
    kit = kit_class()
    rng = random.Random(21)
    sw = Swarm(kit.policy, template=CONFIG, seed=21)
    kinds = itertools.cycle(["forge", "stale", "oversize", "forge", "stale"])
    try:
        await sw.start(honest_n)
        malicious = await sw.add(
            malicious_n,
            factory=lambda cfg: MaliciousNode(cfg, kit.policy, kind=next(kinds), forge=kit.forge),
        )
        honest = [n for n in sw.nodes if not isinstance(n, MaliciousNode)]
        assert any(m.node_id in {x[0] for x in h.neighbours()} for h in honest for m in malicious)
        records: dict[bytes, tuple[bytes, bytes]] = {}
        newer_holders: dict[bytes, list[Any]] = {}
        for i in range(60):
            key, v1 = kit.make(i, 1)
            _, v2 = kit.make(i, 2)
            publisher = rng.choice(honest)
            await publisher.put(v1)
            await publisher.put(v2)
            records[key] = (v1, v2)
            newer_holders[key] = [n for n in honest if n.storage.get(key) == v2]
        await asyncio.sleep(0.5)  # let the attackers spread forgeries and replays
        assert await sw.settle()  # freshness checks of the replayed keys done

        stale_stored = sum(
            1 for key, (v1, _) in records.items() for node in honest if node.storage.get(key) == v1
        )
        assert stale_stored == 0

        bad_returned = found = 0
        for key, (_, v2) in records.items():
            got = await rng.choice(honest).get(key)
            found += got == v2
            bad_returned += got is not None and got != v2
        assert bad_returned == 0
        assert found >= 59

        forged_stored = downgraded = 0
        for key, (v1, v2) in records.items():
            for node in honest:
                held = node.storage.get(key)
                forged_stored += held is not None and held not in (v1, v2)
            downgraded += sum(1 for n in newer_holders[key] if n.storage.get(key) != v2)
            assert len(newer_holders[key]) >= 5
        assert forged_stored == 0
        assert downgraded == 0
        attacks = sum(
            m.protocol.attacks_sent
            for m in malicious
            if isinstance(m.protocol, MaliciousProtocol) and m.kind != "oversize"
        )
        assert attacks > 0
        assert sum(n.stats()["stores_refused"] for n in honest) > 0
    finally:
        await sw.stop()


async def test_20_percent_malicious_nodes_cannot_plant_forged_or_stale_provider_records() -> None:
    """80 honest + 20 malicious nodes; 20 provider keys, each announced by 3
    providers at seq 1 (each from its own node), then re-announced at seq 2
    by two of them and withdrawn (seq 2) by the third. Attackers forge, replay seq 1 and send
    oversized answers. No honest node stores a forged provider record or a
    superseded one, and every honest get_providers returns exactly the seq 2
    record of each provider."""
    providers = [JsonSigner() for _ in range(3)]
    policy = JsonRecordPolicy(providers)
    rng = random.Random(22)
    sw = Swarm(policy, template=CONFIG, seed=22)
    kinds = itertools.cycle(["forge", "stale", "oversize", "forge", "stale"])
    try:
        await sw.start(80)
        malicious = await sw.add(
            20, factory=lambda cfg: MaliciousNode(cfg, policy, kind=next(kinds), forge=forge_json)
        )
        honest = [n for n in sw.nodes if not isinstance(n, MaliciousNode)]
        newest: dict[bytes, set[bytes]] = {}
        oldest: dict[bytes, set[bytes]] = {}
        for i in range(20):
            homes = rng.sample(honest, 3)  # each provider announces from its own node
            name = f"c{i}"
            key = json_dht_key("provider", name)
            old = [p.make("provider", name, "serves", 1) for p in providers]
            new = [p.make("provider", name, "serves", 2) for p in providers[:2]]
            new.append(providers[2].make("provider", name, "withdrawn", 2))
            for home, raw in zip(homes, old, strict=True):
                await home.add_provider(raw)
            for home, raw in zip(homes, new, strict=True):
                await home.add_provider(raw)
            oldest[key], newest[key] = set(old), set(new)
        await asyncio.sleep(0.5)  # let the attackers spread forgeries and replays
        assert await sw.settle()  # freshness checks of the replayed records done

        held = {
            key: [info.raw for node in honest for info in node.storage.records_for(key)]
            for key in newest
        }
        stale_stored = sum(1 for key, raws in held.items() for raw in raws if raw in oldest[key])
        forged_stored = sum(
            1 for key, raws in held.items() for raw in raws if raw not in oldest[key] | newest[key]
        )
        assert forged_stored == 0
        assert stale_stored == 0

        for key, want in newest.items():
            got = await rng.choice(honest).get_providers(key)
            assert set(got) == want
        attacks = sum(
            m.protocol.attacks_sent
            for m in malicious
            if isinstance(m.protocol, MaliciousProtocol) and m.kind != "oversize"
        )
        assert attacks > 0
    finally:
        await sw.stop()
