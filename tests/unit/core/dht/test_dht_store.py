"""Durable record store: policy validation, selection, expiry, cap, provider sets."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from services.core.dht.jsonrecords import JsonRecordPolicy, JsonSigner, json_dht_key
from services.core.dht.store import RecordStore, now_us
from services.core.errors import InvalidRecord, SeqConflict, StoreFull

KEY = json_dht_key("handle", "alice")
PKEY = json_dht_key("provider", "blob")


@pytest.fixture
def signer() -> JsonSigner:
    return JsonSigner()


@pytest.fixture
def policy(signer: JsonSigner) -> JsonRecordPolicy:
    return JsonRecordPolicy([signer], set_cap=3)


@pytest.fixture
def store(policy: JsonRecordPolicy, tmp_path: Path):
    st = RecordStore(tmp_path / "records.sqlite", 10, policy)
    try:
        yield st
    finally:
        st.close()


def test_setitem_validates_through_the_policy(store: RecordStore) -> None:
    """The package's ``storage[key] = value`` path refuses non-records."""
    with pytest.raises(InvalidRecord):
        store[KEY] = b'{"a": 1}'
    assert store.get(KEY) is None


def test_higher_seq_replaces_lower_never_the_reverse(
    store: RecordStore, policy: JsonRecordPolicy, signer: JsonSigner
) -> None:
    """Selection by policy.better: seq 2 replaces seq 1; seq 1 is then refused."""
    v1 = policy.check(KEY, signer.make("handle", "alice", "a", 1), now_us())
    v2 = policy.check(KEY, signer.make("handle", "alice", "b", 2), now_us())
    assert store.put_single(v1, mine=False)
    assert store.put_single(v2, mine=False)
    assert not store.put_single(v1, mine=False)
    assert store[KEY] == v2.raw
    with pytest.raises(SeqConflict) as err:
        store.put_single_or_raise(v1, mine=True)
    assert err.value.current_seq == 2


def test_only_newer_never_displaces_a_held_record_of_the_same_seq(
    store: RecordStore, policy: JsonRecordPolicy, signer: JsonSigner
) -> None:
    """With only_newer, a competing record of the held seq is refused even when
    the policy prefers it (SeqConflict naming the held seq); the identical
    record and a higher seq still go in. Without it, the preferred one wins."""
    a = policy.check(KEY, signer.make("handle", "alice", "a", 1), now_us())
    b = policy.check(KEY, signer.make("handle", "alice", "b", 1), now_us())
    worse, better = (a, b) if policy.better(b, a) else (b, a)
    assert store.put_single(worse, mine=False)
    assert not store.put_single(better, mine=True, only_newer=True)
    with pytest.raises(SeqConflict) as err:
        store.put_single_or_raise(better, mine=True, only_newer=True)
    assert err.value.current_seq == 1
    assert store[KEY] == worse.raw
    assert store.put_single(worse, mine=True, only_newer=True)
    assert store.put_single(better, mine=False)
    assert store[KEY] == better.raw
    v2 = policy.check(KEY, signer.make("handle", "alice", "c", 2), now_us())
    assert store.put_single(v2, mine=True, only_newer=True)
    assert store[KEY] == v2.raw


def test_expiry_is_the_records_own_expires_at(
    store: RecordStore, policy: JsonRecordPolicy, signer: JsonSigner
) -> None:
    """A record is served until its expires_at_us and never after, whatever its arrival."""
    info = policy.check(KEY, signer.make("handle", "alice", "a", 1, ttl_s=0.2), now_us())
    store.put_single(info, mine=False)
    assert store.get_info(KEY) is not None
    assert store.get_info(KEY, at_us=info.expires_at_us) is None
    time.sleep(0.25)
    assert store.get(KEY) is None
    assert list(store) == []
    assert store.purge_expired() == 1
    assert len(store) == 0


def test_full_store_refuses_with_a_message_naming_the_cap(
    store: RecordStore, policy: JsonRecordPolicy, signer: JsonSigner
) -> None:
    """At the cap a new key raises StoreFull naming the cap; replacing a held key still works."""
    for i in range(10):
        raw = signer.make("handle", f"n{i}", "v", 1)
        store.put_single(policy.check(json_dht_key("handle", f"n{i}"), raw, now_us()), mine=False)
    raw = signer.make("handle", "one-too-many", "v", 1)
    with pytest.raises(StoreFull, match="cap of 10 records"):
        store.put_single(
            policy.check(json_dht_key("handle", "one-too-many"), raw, now_us()), mine=False
        )
    newer = signer.make("handle", "n0", "w", 2)
    assert store.put_single(policy.check(json_dht_key("handle", "n0"), newer, now_us()), mine=False)


def test_records_survive_reopening(
    policy: JsonRecordPolicy, signer: JsonSigner, tmp_path: Path
) -> None:
    """Committed records and the "mine" flag are on disk when the store reopens."""
    path = tmp_path / "r.sqlite"
    first = RecordStore(path, 100, policy)
    info = policy.check(KEY, signer.make("handle", "alice", "a", 1), now_us())
    first.put_single(info, mine=True)
    first.close()
    again = RecordStore(path, 100, policy)
    try:
        assert again[KEY] == info.raw
        assert [i.raw for i in again.mine()] == [info.raw]
        assert len(again) == 1
    finally:
        again.close()


def test_provider_sets_one_record_per_signer_capped(
    store: RecordStore, policy: JsonRecordPolicy
) -> None:
    """Many signers per key, one record each (higher seq wins), capped per key."""
    signers = [JsonSigner() for _ in range(5)]
    for s in signers:
        policy.trust(s)
    for s in signers[:3]:
        raw = s.make("provider", "blob", "addr", 1, ttl_s=100)
        assert store.put_provider(policy.check(PKEY, raw, now_us()), mine=False)
    newer = signers[0].make("provider", "blob", "addr2", 2, ttl_s=100)
    assert store.put_provider(policy.check(PKEY, newer, now_us()), mine=False)
    older = signers[0].make("provider", "blob", "addr0", 0, ttl_s=100)
    assert not store.put_provider(policy.check(PKEY, older, now_us()), mine=False)
    held = store.get_providers(PKEY, 10)
    assert len(held) == 3
    assert newer in [h.raw for h in held]
    # At the cap: a record that expires sooner than all held ones is refused,
    # one that expires later evicts the soonest-expiring.
    short = signers[3].make("provider", "blob", "x", 1, ttl_s=10)
    assert not store.put_provider(policy.check(PKEY, short, now_us()), mine=False)
    long = signers[4].make("provider", "blob", "y", 1, ttl_s=1000)
    assert store.put_provider(policy.check(PKEY, long, now_us()), mine=False)
    assert len(store.get_providers(PKEY, 10)) == 3
    assert len(store) == 3


def test_expired_providers_are_dropped(
    store: RecordStore, policy: JsonRecordPolicy, signer: JsonSigner
) -> None:
    raw = signer.make("provider", "blob", "addr", 1, ttl_s=0.1)
    store.put_provider(policy.check(PKEY, raw, now_us()), mine=True)
    time.sleep(0.15)
    assert store.get_providers(PKEY, 10) == []
    assert store.mine() == []


@pytest.mark.parametrize("seq", [2**63 - 1, 2**63, 2**64 - 1])
def test_seq_up_to_u64_max_is_stored_and_read_back_exactly(
    store: RecordStore, policy: JsonRecordPolicy, signer: JsonSigner, seq: int
) -> None:
    """seq is a uint64 but SQLite integers are signed 64-bit: a record with
    seq at 2**63 or above is stored (single and set), read back with the same
    seq, and the row count stays right."""
    single = policy.check(KEY, signer.make("handle", "alice", "a", seq), now_us())
    provider = policy.check(PKEY, signer.make("provider", "blob", "addr", seq), now_us())
    assert store.put_single(single, mine=True)
    assert store.put_provider(provider, mine=True)
    held = store.get_info(KEY)
    assert held is not None and held.seq == seq and held.raw == single.raw
    assert [p.seq for p in store.get_providers(PKEY, 10)] == [seq]
    assert sorted(r.seq for r in store.mine()) == [seq, seq]
    assert store.held_seq(KEY) == seq
    assert len(store) == 2


def test_lower_seq_never_replaces_a_seq_above_int64_max(
    store: RecordStore, policy: JsonRecordPolicy, signer: JsonSigner
) -> None:
    """Selection reads the stored seq back as the uint64 it was: seq 5 does
    not replace seq 2**64 - 1."""
    top = policy.check(KEY, signer.make("handle", "alice", "a", 2**64 - 1), now_us())
    low = policy.check(KEY, signer.make("handle", "alice", "b", 5), now_us())
    assert store.put_single(top, mine=False)
    assert not store.put_single(low, mine=False)
    assert store[KEY] == top.raw
