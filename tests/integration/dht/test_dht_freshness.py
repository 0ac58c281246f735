"""Freshness checks (services/core/dht/freshness.py): a key a node newly takes
from a STORE is compared with its closest known holders, a newer valid
version replaces it, and nothing else does."""

from __future__ import annotations

import asyncio
import dataclasses
import os

from services.core.dht.adversary import MaliciousNode, RawPeer
from services.core.dht.config import DhtConfig
from services.core.dht.jsonrecords import JsonRecordPolicy, JsonSigner, forge_json, json_dht_key
from services.core.dht.node import DhtNode
from services.core.dht.store import now_us

FAST = DhtConfig(rpc_timeout_s=0.5)
#: Every new key checked: a few nodes are all in each other's inner neighbourhood.
CHECK_ALL = dataclasses.replace(FAST, freshness_from_radii=0.0)


async def _linked(
    nodes: list[DhtNode],
    policy: JsonRecordPolicy,
    count: int,
    malicious: int = 0,
    config: DhtConfig = CHECK_ALL,
) -> list[DhtNode]:
    """``count`` nodes (the first ``malicious`` of them forgers), all knowing each other."""
    made: list[DhtNode] = [
        MaliciousNode(config, policy, kind="forge", forge=forge_json)
        if i < malicious
        else DhtNode(config, policy)
        for i in range(count)
    ]
    nodes.extend(made)
    await asyncio.gather(*(n.start() for n in made))
    for node in made:
        await node.bootstrap([m.address for m in made if m is not node])
    # Hand-offs between the new nodes done: no record moves by itself.
    await asyncio.gather(*(_settle(n) for n in made))
    return made


def _hold(node: DhtNode, policy: JsonRecordPolicy, key: bytes, record: bytes) -> None:
    node.storage.put_single(policy.check(key, record, now_us()), mine=False)


def _hold_provider(node: DhtNode, policy: JsonRecordPolicy, key: bytes, record: bytes) -> None:
    node.storage.put_provider(policy.check(key, record, now_us()), mine=False)


async def _store(
    raw: RawPeer, node: DhtNode, key: bytes, record: bytes, rpc: str = "store"
) -> object:
    raw.request(node.address, rpc, [os.urandom(20), key, record])
    return await raw.reply()


def _providers(node: DhtNode, key: bytes) -> set[bytes]:
    return {info.raw for info in node.storage.get_providers(key, 100)}


async def _settle(node: DhtNode) -> None:
    """Wait until ``node`` has no hand-off or freshness check queued or running
    (a STORE's check is queued before the STORE is answered)."""
    for _ in range(100):
        if not node.background_pending:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("background work still pending after 5 s")


async def test_a_replayed_old_version_on_a_new_holder_is_replaced_by_the_newer_one(
    nodes: list[DhtNode], policy: JsonRecordPolicy, signer: JsonSigner, raw: RawPeer
) -> None:
    """A node that never held the key takes seq 1 from a replaying peer; its
    closest known holders have seq 2, so after the check it holds seq 2."""
    a, b, fresh = await _linked(nodes, policy, 3)
    key = json_dht_key("handle", "alice")
    v1 = signer.make("handle", "alice", "old", 1)
    v2 = signer.make("handle", "alice", "new", 2)
    _hold(a, policy, key, v2)
    _hold(b, policy, key, v2)
    assert await _store(raw, fresh, key, v1) is True
    assert fresh.storage.get(key) == v1
    await _settle(fresh)
    assert fresh.storage.get(key) == v2
    stats = fresh.stats()
    assert stats["freshness_checks"] == 1
    assert stats["freshness_upgrades"] == 1


async def test_a_check_keeps_the_stored_version_when_holders_agree_or_lack_the_key(
    nodes: list[DhtNode], policy: JsonRecordPolicy, signer: JsonSigner, raw: RawPeer
) -> None:
    """Holders with the same version, or without the key, change nothing."""
    a, _b, fresh = await _linked(nodes, policy, 3)
    key = json_dht_key("handle", "bob")
    v1 = signer.make("handle", "bob", "only", 1)
    _hold(a, policy, key, v1)
    assert await _store(raw, fresh, key, v1) is True
    await _settle(fresh)
    assert fresh.storage.get(key) == v1
    assert fresh.stats()["freshness_checks"] == 1
    assert fresh.stats()["freshness_upgrades"] == 0


async def test_a_forged_newer_version_from_a_holder_never_replaces_the_stored_one(
    nodes: list[DhtNode], policy: JsonRecordPolicy, signer: JsonSigner, raw: RawPeer
) -> None:
    """A forger answering the check with a higher-seq forgery is refused by
    the policy; the node keeps the valid record it took."""
    forger, fresh = await _linked(nodes, policy, 2, malicious=1)
    key = json_dht_key("handle", "carol")
    v1 = signer.make("handle", "carol", "real", 1)
    assert await _store(raw, forger, key, v1) is True
    assert await _store(raw, fresh, key, v1) is True
    await _settle(fresh)
    assert fresh.storage.get(key) == v1
    stats = fresh.stats()
    assert stats["freshness_checks"] == 1
    assert stats["freshness_upgrades"] == 0
    assert stats["freshness_rpcs"] >= 1
    assert stats["invalid_values_seen"] >= 1


async def test_only_a_key_not_held_before_is_checked(
    nodes: list[DhtNode], policy: JsonRecordPolicy, signer: JsonSigner, raw: RawPeer
) -> None:
    """A newer version of a held key is taken as is (holders refuse older
    ones), so it costs no check; a refused STORE costs none either."""
    (node,) = await _linked(nodes, policy, 1)
    key = json_dht_key("handle", "dave")
    _hold(node, policy, key, signer.make("handle", "dave", "v", 1))
    assert await _store(raw, node, key, signer.make("handle", "dave", "v", 2)) is True
    bad = signer.make("handle", "erin", "v", 1)
    assert await _store(raw, node, json_dht_key("handle", "erin"), forge_json(bad)) is False
    await _settle(node)
    assert node.stats()["freshness_checks"] == 0


async def test_a_node_in_the_inner_neighbourhood_of_a_key_does_not_check_it(
    nodes: list[DhtNode], policy: JsonRecordPolicy, signer: JsonSigner, raw: RawPeer
) -> None:
    """With the default ``freshness_from_radii`` (0.5), a node that knows
    fewer than k nodes (its radius is the whole id space) takes a new key
    without a check: puts reach the inner neighbourhood directly, so a
    healthy put costs no checks there."""
    _a, fresh = await _linked(nodes, policy, 2, config=FAST)
    key = json_dht_key("handle", "frank")
    assert await _store(raw, fresh, key, signer.make("handle", "frank", "v", 1)) is True
    await _settle(fresh)
    assert fresh.stats()["freshness_checks"] == 0


async def test_a_replayed_old_provider_record_is_replaced_by_the_newer_one(
    nodes: list[DhtNode], policy: JsonRecordPolicy, signer: JsonSigner, raw: RawPeer
) -> None:
    """A node that never held a content key's set takes a provider's old
    announcement (seq 1) from a replaying peer; the closest holders have the
    provider's withdrawal (seq 2), so after the check the node holds the
    withdrawal, and nothing of signers it does not hold."""
    other = JsonSigner()
    policy.trust(other)
    a, b, fresh = await _linked(nodes, policy, 3)
    key = json_dht_key("provider", "blob")
    v1 = signer.make("provider", "blob", "serves", 1)
    v2 = signer.make("provider", "blob", "withdrawn", 2)
    unrelated = other.make("provider", "blob", "serves", 1)
    for holder in (a, b):
        _hold_provider(holder, policy, key, v2)
        _hold_provider(holder, policy, key, unrelated)
    assert await _store(raw, fresh, key, v1, "add_provider") is True
    assert _providers(fresh, key) == {v1}
    await _settle(fresh)
    assert _providers(fresh, key) == {v2}
    stats = fresh.stats()
    assert stats["freshness_checks"] == 1
    assert stats["freshness_upgrades"] == 1


async def test_a_signer_new_to_a_held_set_is_checked_and_a_known_one_is_not(
    nodes: list[DhtNode], policy: JsonRecordPolicy, signer: JsonSigner, raw: RawPeer
) -> None:
    """A holder of a set that takes a record of a signer it did not hold
    checks it (a replay may pick any holder of other signers' records); a
    newer version of a signer it holds is taken as is, with no check."""
    newcomer = JsonSigner()
    policy.trust(newcomer)
    a, fresh = await _linked(nodes, policy, 2)
    key = json_dht_key("provider", "blob")
    _hold_provider(fresh, policy, key, signer.make("provider", "blob", "serves", 1))
    assert await _store(
        raw, fresh, key, signer.make("provider", "blob", "serves", 2), "add_provider"
    )
    await _settle(fresh)
    assert fresh.stats()["freshness_checks"] == 0

    old = newcomer.make("provider", "blob", "serves", 1)
    new = newcomer.make("provider", "blob", "moved", 2)
    _hold_provider(a, policy, key, new)
    assert await _store(raw, fresh, key, old, "add_provider") is True
    await _settle(fresh)
    assert new in _providers(fresh, key)
    assert old not in _providers(fresh, key)
    assert fresh.stats()["freshness_checks"] == 1


async def test_a_forged_provider_record_from_a_holder_never_replaces_the_stored_one(
    nodes: list[DhtNode], policy: JsonRecordPolicy, signer: JsonSigner, raw: RawPeer
) -> None:
    """A forger answering a set check with a higher-seq forgery of the
    provider's record is refused by the policy; the node keeps the valid one."""
    forger, fresh = await _linked(nodes, policy, 2, malicious=1)
    key = json_dht_key("provider", "blob")
    v1 = signer.make("provider", "blob", "serves", 1)
    assert await _store(raw, forger, key, v1, "add_provider") is True
    assert await _store(raw, fresh, key, v1, "add_provider") is True
    await _settle(fresh)
    assert _providers(fresh, key) == {v1}
    stats = fresh.stats()
    assert stats["freshness_checks"] == 1
    assert stats["freshness_upgrades"] == 0
    assert stats["freshness_rpcs"] >= 1
    assert stats["invalid_values_seen"] >= 1


async def test_a_signer_checked_in_a_set_too_large_for_one_reply_is_still_compared(
    nodes: list[DhtNode], raw: RawPeer
) -> None:
    """Holders answer a set check with the checked signer's record first, so
    a withdrawal older than 40 other providers' announcements (newest first,
    far more than one datagram holds) still replaces a replayed announcement."""
    target = JsonSigner()
    others = [JsonSigner() for _ in range(40)]
    policy = JsonRecordPolicy([target, *others], set_cap=64)
    a, b, fresh = await _linked(nodes, policy, 3)
    key = json_dht_key("provider", "big")
    early = now_us() - 60_000_000
    v1 = target.make("provider", "big", "serves", 1, issued_at_us=early - 1)
    v2 = target.make("provider", "big", "withdrawn", 2, issued_at_us=early)
    pad = "x" * 300
    crowd = [o.make("provider", "big", pad, 1) for o in others]
    for holder in (a, b):
        _hold_provider(holder, policy, key, v2)
        for record in crowd:
            _hold_provider(holder, policy, key, record)
    assert await _store(raw, fresh, key, v1, "add_provider") is True
    await _settle(fresh)
    assert _providers(fresh, key) == {v2}
    assert fresh.stats()["freshness_upgrades"] == 1


async def test_get_providers_puts_the_asked_signer_first_and_refuses_a_bad_one(
    nodes: list[DhtNode], policy: JsonRecordPolicy, signer: JsonSigner, raw: RawPeer
) -> None:
    """get_providers' optional fifth argument names the signer whose record
    leads the reply; anything but bytes of at most 64 is refused."""
    other = JsonSigner()
    policy.trust(other)
    (node,) = await _linked(nodes, policy, 1)
    key = json_dht_key("provider", "blob")
    mine = signer.make("provider", "blob", "serves", 1, issued_at_us=now_us() - 10_000_000)
    newer = other.make("provider", "blob", "serves", 1)
    _hold_provider(node, policy, key, mine)
    _hold_provider(node, policy, key, newer)
    raw.request(node.address, "get_providers", [os.urandom(20), key, 10])
    assert (await raw.reply())["providers"] == [newer, mine]
    raw.request(node.address, "get_providers", [os.urandom(20), key, 10, signer.signer])
    assert (await raw.reply())["providers"] == [mine, newer]
    raw.request(node.address, "get_providers", [os.urandom(20), key, 10, 7])
    assert await raw.reply() == {"refused": "invalid"}
