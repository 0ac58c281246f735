"""SignedRecordPolicy: the shared rules, each namespace's rules, selection
and the namespace registry."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipndht.v1 import common_pb2, handles_pb2
from services.core.errors import InvalidHandle, InvalidRecord, RecordTooLarge
from services.core.records import keys, signing
from services.core.records.model import Countersignature, Record, dht_key
from services.core.records.policy import RecordInfo, RecordPolicy
from services.core.records.registry import Ranked
from services.core.records.rules import (
    DEFAULT_REGISTRY,
    NamespaceSpec,
    SignedRecordPolicy,
    all_of,
    best_per_signer,
    select_best,
)
from services.core.records.validation import fail

S = 1_000_000
DAY_US = 86_400 * S
TRANSFER = handles_pb2.HANDLE_OPERATION_TRANSFER


def check(policy: SignedRecordPolicy, record: Record, now_us: int) -> RecordInfo:
    return policy.check(record.dht_key(), record.encode(), now_us)


def refused(policy: SignedRecordPolicy, record: Record, now_us: int, rule: str) -> str:
    """Assert ``record`` is refused for ``rule``; return the message."""
    with pytest.raises(InvalidRecord) as info:
        check(policy, record, now_us)
    message = str(info.value)
    assert message.startswith(f"{rule}:"), message
    return message


# --- the contract ------------------------------------------------------------------


def test_signed_record_policy_satisfies_the_record_policy_protocol(policy) -> None:
    implementation: RecordPolicy = policy
    assert implementation.set_cap("handle") == 1


@pytest.mark.parametrize("kind", ["handle", "provider", "resource", "peer"])
def test_a_valid_record_of_each_namespace_is_accepted_with_its_info(
    policy, make, now_us, kind
) -> None:
    record = getattr(make, kind)()
    raw = record.encode()
    info = policy.check(record.dht_key(), raw, now_us)
    assert info == RecordInfo(
        namespace=kind,
        dht_key=record.dht_key(),
        signer=record.signer,
        seq=record.seq,
        issued_at_us=record.issued_at_us,
        expires_at_us=record.expires_at_us,
        signature=record.signature,
        multi=kind in ("provider", "resource"),
        raw=raw,
    )


def test_trusted_registrar_keys_must_be_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 raw bytes"):
        SignedRecordPolicy([b"short"])


@given(st.binary(max_size=300))
@settings(max_examples=300)
def test_check_of_arbitrary_bytes_raises_only_invalid_record(raw: bytes) -> None:
    policy = SignedRecordPolicy([b"\x02" * 32])
    with pytest.raises(InvalidRecord):
        policy.check(b"\x00" * 20, raw, 0)


# --- shared rules -------------------------------------------------------------------


def test_over_7000_bytes_raises_record_too_large_before_decoding(policy, now_us) -> None:
    with pytest.raises(RecordTooLarge, match="7000 bytes") as info:
        policy.check(b"\x00" * 20, b"\xff" * 7001, now_us)
    assert str(info.value).startswith("too_large:")


def test_a_record_of_exactly_7000_bytes_is_accepted(policy, make, now_us) -> None:
    sizes = {}
    for last in range(257):
        attributes = {f"{i:02d}": "v" * 256 for i in range(10)}
        attributes["zz"] = "v" * last
        record = make.resource(data=b"x" * 4096, attributes=attributes)
        sizes[len(record.encode())] = record
    check(policy, sizes[7000], now_us)


def test_validate_record_refuses_an_over_large_record_too(policy, make, now_us) -> None:
    attributes = {f"{i:02d}".ljust(64, "k"): "v" * 200 for i in range(16)}
    record = make.resource(data=b"x" * 4096, attributes=attributes)
    with pytest.raises(RecordTooLarge, match="7000 bytes"):
        policy.validate_record(record, now_us)


def test_a_record_under_another_dht_key_is_refused(policy, make, now_us) -> None:
    record = make.provider()
    with pytest.raises(InvalidRecord, match=r"^wrong_dht_key:"):
        policy.check(dht_key("provider", b"other"), record.encode(), now_us)


def test_an_unknown_namespace_is_refused_listing_the_known_ones(policy, make, now_us) -> None:
    record = make.sign(make.k.provider, "nope", b"k", b"v")
    message = refused(policy, record, now_us, "unknown_namespace")
    assert "handle, peer, provider, resource" in message


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"key": b""}, "key_length"),
        ({"key": b"k" * 257}, "key_length"),
        ({"signer": b"\x01" * 31}, "signer_length"),
        ({"signature": b"\x01" * 63}, "signature_length"),
    ],
)
def test_envelope_shape_rules(policy, make, now_us, changes, rule) -> None:
    record = dataclasses.replace(make.peer(), **changes)
    refused(policy, record, now_us, rule)


def test_a_key_of_256_bytes_passes_the_length_rule(policy, make, now_us) -> None:
    refused(policy, make.peer(key=b"k" * 256), now_us, "key_format")


def test_issued_at_may_be_up_to_300_seconds_ahead_of_now(policy, make, now_us) -> None:
    envelope = {"issued_at_us": now_us + 300 * S, "expires_at_us": now_us + DAY_US}
    check(policy, make.peer(envelope=envelope), now_us)
    envelope["issued_at_us"] += 1
    message = refused(policy, make.peer(envelope=envelope), now_us, "issued_in_future")
    assert "300 s" in message


def test_a_record_expiring_now_is_expired(policy, make, now_us) -> None:
    envelope = {"issued_at_us": now_us - S, "expires_at_us": now_us}
    refused(policy, make.peer(envelope=envelope), now_us, "expired")
    check(policy, make.peer(envelope={**envelope, "expires_at_us": now_us + 1}), now_us)


def test_expiry_must_be_after_issue(policy, make, now_us) -> None:
    envelope = {"issued_at_us": now_us + S, "expires_at_us": now_us + S}
    refused(policy, make.peer(envelope=envelope), now_us, "expiry_before_issue")


@pytest.mark.parametrize(
    ("kind", "max_ttl_us"),
    [
        ("peer", DAY_US),
        ("provider", 7 * DAY_US),
        ("resource", 7 * DAY_US),
        ("handle", 730 * DAY_US),
    ],
)
def test_lifetime_is_capped_by_the_namespace_max_ttl(policy, make, now_us, kind, max_ttl_us):
    issued = now_us - S
    ok = getattr(make, kind)(
        envelope={"issued_at_us": issued, "expires_at_us": issued + max_ttl_us}
    )
    check(policy, ok, now_us)
    long = {"issued_at_us": issued, "expires_at_us": issued + max_ttl_us + 1}
    message = refused(policy, getattr(make, kind)(envelope=long), now_us, "lifetime")
    assert f"limit of {max_ttl_us // S} s" in message


def test_a_bad_signature_is_refused(policy, make, now_us) -> None:
    record = make.peer()
    bad = dataclasses.replace(
        record, signature=bytes([record.signature[0] ^ 1]) + record.signature[1:]
    )
    refused(policy, bad, now_us, "signature")


def test_cheap_rules_are_reported_before_the_signature_is_verified(policy, make, now_us):
    """An expired record with a bad signature fails as expired: time and
    shape checks run before Ed25519 verification."""
    record = make.peer(envelope={"issued_at_us": now_us - 2 * S, "expires_at_us": now_us - S})
    bad = dataclasses.replace(record, signature=b"\x00" * 64)
    refused(policy, bad, now_us, "expired")


def test_at_most_four_countersignatures(policy, make, now_us) -> None:
    record = make.peer()
    for n in range(4):
        record = signing.countersign(record, _key(n))
    check(policy, record, now_us)
    record = signing.countersign(record, _key(9))
    message = refused(policy, record, now_us, "countersignature_count")
    assert "limit of 4" in message


def _key(n: int) -> keys.Ed25519PrivateKey:
    return keys.private_key_from_seed(bytes([n + 100]) * 32)


def test_a_malformed_countersignature_is_refused(policy, make, now_us) -> None:
    record = make.peer().with_countersignature(Countersignature(b"\x01" * 32, b"\x02" * 10))
    refused(policy, record, now_us, "countersignature_malformed")


def test_the_same_countersigner_twice_is_refused(policy, make, now_us) -> None:
    record = signing.countersign(make.peer(), _key(1))
    cs = record.countersignatures[0]
    doubled = dataclasses.replace(record, countersignatures=(cs, cs))
    refused(policy, doubled, now_us, "countersignature_duplicate")


def test_an_invalid_countersignature_is_refused(policy, make, now_us) -> None:
    record = make.peer().with_countersignature(Countersignature(b"\x01" * 32, b"\x02" * 64))
    refused(policy, record, now_us, "countersignature_invalid")


def test_validate_record_uses_the_policy_clock_and_checks_a_given_dht_key(policy, make) -> None:
    record = make.provider()
    info = policy.validate_record(record)
    assert info.raw == record.encode() and info.dht_key == record.dht_key()
    with pytest.raises(InvalidRecord, match=r"^wrong_dht_key:"):
        policy.validate_record(record, dht_key=b"\x00" * 20)


def test_all_of_runs_validators_in_order_and_stops_at_the_first_failure(make, now_us) -> None:
    calls: list[str] = []

    def first(record: Record, now: int) -> None:
        calls.append("first")
        fail("first", "always")

    def second(record: Record, now: int) -> None:
        calls.append("second")

    with pytest.raises(InvalidRecord, match=r"^first: always$"):
        all_of(first, second)(make.peer(), now_us)
    assert calls == ["first"]


# --- handle ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "handle",
    [
        "alice.ipn",
        "@alice",
        "@Alice.ipn",
        "@al ice.ipn",
        "@.ipn",
        "@" + "a" * 60 + ".ipn",
        "@é.ipn",
    ],
)
def test_handle_keys_must_look_like_lower_case_at_label_dot_ipn(policy, make, now_us, handle):
    refused(policy, make.handle(handle), now_us, "key_format")


def test_a_handle_key_that_is_not_ascii_is_refused(policy, make, now_us) -> None:
    refused(policy, make.handle(key=b"@\xff.ipn"), now_us, "key_format")


def test_the_pluggable_name_check_is_applied_and_its_error_becomes_invalid_record(
    k, make, now_us
) -> None:
    seen: list[str] = []

    def name_check(handle: str) -> None:
        seen.append(handle)
        if handle == "@admin.ipn":
            raise InvalidHandle("'admin' is reserved")

    policy = SignedRecordPolicy([k.pub(k.registrar)], handle_name_check=name_check)
    check(policy, make.handle("@alice.ipn"), now_us)
    message = refused(policy, make.handle("@admin.ipn"), now_us, "handle_name")
    assert "reserved" in message and "@alice.ipn" in seen


def test_the_handle_record_must_name_the_record_key(policy, make, now_us) -> None:
    record = make.handle(key=b"@bob.ipn")
    refused(policy, record, now_us, "key_payload_mismatch")


@pytest.mark.parametrize(
    "fields",
    [
        {"owner_key": b"\x01" * 31},
        {"target_key": b""},
        {"operation": handles_pb2.HANDLE_OPERATION_UNSPECIFIED},
        {"addresses": ["a"] * 9},
        {"addresses": ["a" * 257]},
        {"metadata": {str(i): "" for i in range(17)}},
        {"metadata": {"k" * 65: ""}},
        {"metadata": {"k": "v" * 1024}},
        {"alias": "@bob"},
        {"alias": "Bob"},
    ],
    ids=lambda f: next(iter(f)),
)
def test_handle_payload_limits(policy, make, now_us, fields) -> None:
    refused(policy, make.handle(**fields), now_us, "payload")


def test_handle_payload_at_its_limits_is_accepted(policy, make, now_us) -> None:
    record = make.handle(
        addresses=["a" * 256] * 8,
        metadata={f"{i:02d}": "v" * 62 for i in range(16)},
        alias="validator-7",
    )
    check(policy, record, now_us)


def test_a_handle_value_that_is_not_a_handle_record_is_refused(policy, make, k, now_us) -> None:
    record = make.sign(k.owner, "handle", b"@alice.ipn", b"\xff\xff")
    refused(policy, signing.countersign(record, k.registrar), now_us, "payload")


def test_a_handle_must_be_signed_by_its_owner(policy, make, k, now_us) -> None:
    refused(policy, make.handle(signer=k.stranger), now_us, "wrong_signer")


def test_a_transfer_is_signed_by_the_previous_owner_not_the_new_one(policy, make, k, now_us):
    new = k.pub(k.new_owner)
    record = make.handle(owner_key=new, target_key=new, operation=TRANSFER)
    check(policy, record, now_us)


def test_a_handle_needs_a_registrar_countersignature(policy, make, now_us) -> None:
    record = dataclasses.replace(make.handle(), countersignatures=())
    refused(policy, record, now_us, "registrar_countersignature_missing")


def test_a_handle_countersigned_only_by_an_untrusted_key_is_refused(policy, make, k, now_us):
    refused(policy, make.handle(registrar=k.stranger), now_us, "untrusted_registrar")


def test_handle_records_are_refused_when_no_registrar_is_trusted(make, now_us) -> None:
    message = refused(SignedRecordPolicy([]), make.handle(), now_us, "no_registrar_trusted")
    assert "trusts no registrar" in message


def test_one_trusted_countersignature_among_others_is_enough(policy, make, now_us) -> None:
    check(policy, signing.countersign(make.handle(), _key(3)), now_us)


# --- provider ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [b"\x00" + b"\x01" * 32, b"\x03" + b"\x01" * 32, b"\x01" + b"\x01" * 31, b"\x02"],
    ids=["unspecified", "unknown algorithm", "short digest", "no digest"],
)
def test_provider_keys_are_an_algorithm_byte_then_a_32_byte_digest(policy, make, now_us, key):
    content = common_pb2.ContentHash(
        algorithm=common_pb2.HASH_ALGORITHM_SHA2_256, digest=b"\x01" * 32
    )
    refused(policy, make.provider(key, content=content), now_us, "key_format")


def test_a_blake3_provider_record_is_accepted(policy, make, now_us) -> None:
    check(policy, make.provider(b"\x02" + b"\x09" * 32), now_us)


def test_the_provider_record_content_must_be_the_key(policy, make, now_us) -> None:
    other = common_pb2.ContentHash(
        algorithm=common_pb2.HASH_ALGORITHM_BLAKE3, digest=make.content_key()[1:]
    )
    refused(policy, make.provider(content=other), now_us, "key_payload_mismatch")


@pytest.mark.parametrize(
    "fields",
    [
        {"addresses": ["a"] * 9},
        {"addresses": ["a" * 257]},
        {"handle": "Alice"},
        {"hash_timer": common_pb2.HashTimer(hex="00" * 31, time_us=0)},
        {"hash_timer": common_pb2.HashTimer(hex="A" * 64, time_us=0)},
        {"hash_timer": common_pb2.HashTimer(hex="0" * 13 + "1" + "0" * 50, time_us=2)},
    ],
    ids=["9 addresses", "long address", "bad handle", "short timer", "upper hex", "time"],
)
def test_provider_payload_limits(policy, make, now_us, fields) -> None:
    refused(policy, make.provider(**fields), now_us, "payload")


def test_a_provider_record_with_a_matching_hash_timer_and_handle_is_accepted(
    policy, make, now_us
) -> None:
    timer = common_pb2.HashTimer(hex=f"{now_us:014x}" + "ab" * 25, time_us=now_us)
    check(policy, make.provider(hash_timer=timer, handle="@alice.ipn", size_bytes=5), now_us)


# --- resource -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        b"nodash",
        b"UPPER/x",
        b"/x",
        b"t" * 65 + b"/x",
        b"gpu/",
        b"gpu/" + b"i" * 129,
        b"gpu/\x01",
        b"gpu/\xff",
    ],
    ids=repr,
)
def test_resource_keys_are_type_slash_id(policy, make, now_us, key) -> None:
    refused(policy, make.resource(key=key), now_us, "key_format")


def test_a_resource_id_may_contain_slashes_and_spaces(policy, make, now_us) -> None:
    check(policy, make.resource("gpu.v2_x-y", "node 7/slot-1"), now_us)


def test_the_resource_record_must_match_the_key(policy, make, now_us) -> None:
    refused(policy, make.resource(key=b"compute.gpu/node-8"), now_us, "key_payload_mismatch")


@pytest.mark.parametrize(
    "fields",
    [
        {"data": b"x" * 4097},
        {"attributes": {str(i): "" for i in range(17)}},
        {"attributes": {"k" * 65: ""}},
        {"attributes": {"k": "v" * 257}},
    ],
    ids=["data", "count", "key", "value"],
)
def test_resource_payload_limits(policy, make, now_us, fields) -> None:
    refused(policy, make.resource(**fields), now_us, "payload")


# --- peer --------------------------------------------------------------------------


def test_a_peer_key_is_a_20_byte_node_id(policy, make, now_us) -> None:
    refused(policy, make.peer(b"\x07" * 19), now_us, "key_format")


def test_the_peer_node_id_must_be_the_key(policy, make, now_us) -> None:
    refused(policy, make.peer(key=b"\x08" * 20), now_us, "key_payload_mismatch")


@pytest.mark.parametrize(
    "fields", [{"port": 0}, {"port": 65536}, {"host": ""}, {"host": "h" * 254}]
)
def test_peer_payload_limits(policy, make, now_us, fields) -> None:
    refused(policy, make.peer(**fields), now_us, "payload")


# --- selection ---------------------------------------------------------------------


def _info(seq: int, issued: int, signature: bytes, namespace: str = "handle") -> RecordInfo:
    return RecordInfo(
        namespace=namespace,
        dht_key=b"\x00" * 20,
        signer=b"\x01" * 32,
        seq=seq,
        issued_at_us=issued,
        expires_at_us=10**18,
        signature=signature,
        multi=False,
        raw=b"",
    )


def test_a_higher_seq_wins_whatever_the_other_fields(policy) -> None:
    assert policy.better(_info(2, 99, b"\xff"), _info(1, 1, b"\x00"))
    assert not policy.better(_info(1, 1, b"\x00"), _info(2, 99, b"\xff"))


def test_at_equal_seq_the_earlier_issued_record_wins(policy) -> None:
    assert policy.better(_info(1, 5, b"\xff"), _info(1, 6, b"\x00"))
    assert not policy.better(_info(1, 6, b"\x00"), _info(1, 5, b"\xff"))


def test_then_the_smaller_signature_wins(policy) -> None:
    assert policy.better(_info(1, 5, b"\x01"), _info(1, 5, b"\x02"))
    assert not policy.better(_info(1, 5, b"\x02"), _info(1, 5, b"\x01"))


def test_a_record_is_not_better_than_itself(policy) -> None:
    assert not policy.better(_info(1, 5, b"\x01"), _info(1, 5, b"\x01"))


infos = st.builds(_info, st.integers(0, 3), st.integers(0, 3), st.binary(min_size=1, max_size=2))


@given(infos, infos)
def test_better_is_a_strict_total_order_on_distinct_records(a: RecordInfo, b: RecordInfo):
    policy = SignedRecordPolicy([])
    if (a.seq, a.issued_at_us, a.signature) == (b.seq, b.issued_at_us, b.signature):
        assert not policy.better(a, b) and not policy.better(b, a)
    else:
        assert policy.better(a, b) != policy.better(b, a)


@pytest.mark.parametrize(
    ("namespace", "cap"),
    [("provider", 64), ("resource", 64), ("handle", 1), ("peer", 1), ("unknown", 1)],
)
def test_set_caps(policy, namespace, cap) -> None:
    assert policy.set_cap(namespace) == cap


def test_select_best_is_independent_of_input_order(policy, make, now_us) -> None:
    records = [
        make.peer(envelope={"issued_at_us": now_us - i * S, "expires_at_us": now_us + S})
        for i in range(1, 4)
    ]
    records.append(dataclasses.replace(records[0], seq=2))
    best = records[-1]
    assert select_best(records) == best == select_best(reversed(records))
    assert policy.select_best(records[:3]) == records[2]  # earliest issued_at
    assert select_best([]) is None


def test_best_per_signer_keeps_one_record_per_signer_newest_first(make, k, now_us) -> None:
    old = make.provider(envelope={"issued_at_us": now_us - 9 * S, "expires_at_us": now_us + S})
    newer = dataclasses.replace(old, seq=2)
    other = make.provider(signer=k.stranger)
    result = best_per_signer([old, other, newer])
    assert result == [newer, other]  # newer is issued 9 s ago, other 60 s ago


# --- registry ----------------------------------------------------------------------


def _timeline_validator(ctx):
    def validate(record: Record, now_us: int) -> None:
        if not record.key.startswith(b"t:"):
            fail("key_format", "timeline keys start with 't:'")

    return validate


def _latest_wins(a: Ranked, b: Ranked) -> bool:
    return a.issued_at_us > b.issued_at_us


def test_a_registered_namespace_brings_its_validator_cap_ttl_and_tie_break(k, make, now_us):
    registry = DEFAULT_REGISTRY.copy()
    spec = NamespaceSpec(
        "sample", _timeline_validator, DAY_US, multi=True, set_cap=5, tie_break=_latest_wins
    )
    registry.register(spec)
    policy = SignedRecordPolicy([], registry=registry)
    good = make.sign(k.provider, "sample", b"t:1", b"")
    assert check(policy, good, now_us).multi
    refused(policy, make.sign(k.provider, "sample", b"x", b""), now_us, "key_format")
    assert policy.set_cap("sample") == 5
    assert policy.better(_info(1, 6, b"\x09", "sample"), _info(1, 5, b"\x00", "sample"))
    assert "sample" not in DEFAULT_REGISTRY.names()


def test_a_policy_sees_namespaces_registered_after_it_was_built(k, make, now_us) -> None:
    registry = DEFAULT_REGISTRY.copy()
    policy = SignedRecordPolicy([], registry=registry)
    record = make.sign(k.provider, "sample", b"t:1", b"")
    refused(policy, record, now_us, "unknown_namespace")
    registry.register(NamespaceSpec("sample", _timeline_validator, DAY_US))
    check(policy, record, now_us)


def test_registering_a_taken_name_needs_replace(policy) -> None:
    registry = DEFAULT_REGISTRY.copy()
    spec = NamespaceSpec("peer", _timeline_validator, DAY_US)
    with pytest.raises(ValueError, match="already registered"):
        registry.register(spec)
    registry.register(spec, replace=True)
    assert registry.get("peer") is spec


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "Upper"},
        {"name": "a" * 33},
        {"name": ""},
        {"max_ttl_us": 0},
        {"set_cap": 2},
        {"multi": True, "set_cap": 0},
    ],
)
def test_namespace_specs_are_checked_when_built(kwargs) -> None:
    fields: dict[str, Any] = {
        "name": "timeline",
        "make_validator": _timeline_validator,
        "max_ttl_us": DAY_US,
    }
    fields.update(kwargs)
    with pytest.raises(ValueError):
        NamespaceSpec(**fields)
