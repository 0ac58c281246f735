"""Ed25519 key helpers, record signing and countersigning."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from services.core.records import canonical, keys, signing
from services.core.records.model import Record

SEED = bytes(range(32))


def _record(private_key: keys.Ed25519PrivateKey) -> Record:
    return signing.sign_record(private_key, "peer", b"k" * 20, b"value", 3, 1_000, 2_000)


# --- keys ------------------------------------------------------------------------


def test_a_private_key_round_trips_through_its_32_byte_seed() -> None:
    key = keys.private_key_from_seed(SEED)
    assert keys.private_key_to_seed(key) == SEED
    assert len(keys.public_key_bytes(key)) == 32


def test_generated_keys_differ() -> None:
    a, b = keys.generate_private_key(), keys.generate_private_key()
    assert keys.public_key_bytes(a) != keys.public_key_bytes(b)


@pytest.mark.parametrize("seed", [b"", b"\x00" * 31, b"\x00" * 33])
def test_a_seed_of_the_wrong_length_is_refused(seed: bytes) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        keys.private_key_from_seed(seed)


def test_signing_is_deterministic_and_gives_64_bytes() -> None:
    key = keys.private_key_from_seed(SEED)
    assert keys.sign(key, b"m") == keys.sign(key, b"m")
    assert len(keys.sign(key, b"m")) == 64


def test_verify_accepts_a_good_signature() -> None:
    key = keys.private_key_from_seed(SEED)
    assert keys.verify(keys.public_key_bytes(key), keys.sign(key, b"m"), b"m")


@pytest.mark.parametrize(
    "case",
    ["flipped signature", "other message", "other key", "short key", "short signature"],
)
def test_verify_returns_false_for_bad_input(case: str) -> None:
    key = keys.private_key_from_seed(SEED)
    public, message = keys.public_key_bytes(key), b"m"
    signature = keys.sign(key, message)
    if case == "flipped signature":
        signature = bytes([signature[0] ^ 1]) + signature[1:]
    elif case == "other message":
        message = b"n"
    elif case == "other key":
        public = keys.public_key_bytes(keys.generate_private_key())
    elif case == "short key":
        public = public[:31]
    else:
        signature = signature[:63]
    assert keys.verify(public, signature, message) is False


@pytest.mark.parametrize(
    "public", [b"\xff" * 32, b"\x00" * 32, "not bytes", None, b"\x01" * 32], ids=repr
)
def test_verify_never_raises_on_malformed_keys_or_types(public: object) -> None:
    assert keys.verify(public, b"\x00" * 64, b"m") is False  # type: ignore[arg-type]
    assert keys.verify(b"\x00" * 32, "sig", b"m") is False  # type: ignore[arg-type]
    assert keys.verify(b"\x00" * 32, b"\x00" * 64, None) is False  # type: ignore[arg-type]


def test_loaded_public_keys_are_cached_by_their_bytes() -> None:
    public = keys.public_key_bytes(keys.private_key_from_seed(SEED))
    assert keys.load_public_key(public) is keys.load_public_key(bytes(public))
    assert keys.load_public_key(public[:5]) is None


def test_a_remembered_verification_does_not_cover_another_message() -> None:
    key = keys.private_key_from_seed(SEED)
    public, signature = keys.public_key_bytes(key), keys.sign(key, b"m")
    assert keys.verify(public, signature, b"m")
    assert keys.verify(public, signature, b"m")  # from the cache
    assert not keys.verify(public, signature, b"m2")
    keys.clear_caches()
    assert keys.verify(public, signature, b"m")


# --- records -----------------------------------------------------------------------


def test_sign_record_sets_the_signer_to_the_public_key_and_a_valid_signature() -> None:
    key = keys.private_key_from_seed(SEED)
    record = _record(key)
    assert record.signer == keys.public_key_bytes(key)
    assert record.countersignatures == ()
    assert signing.verify_signature(record)


def test_the_signature_covers_the_canonical_bytes_not_the_protobuf_encoding() -> None:
    key = keys.private_key_from_seed(SEED)
    record = _record(key)
    message = canonical.signing_bytes(
        record.namespace,
        record.key,
        record.value,
        record.signer,
        record.seq,
        record.issued_at_us,
        record.expires_at_us,
    )
    assert keys.verify(record.signer, record.signature, message)
    assert not keys.verify(record.signer, record.signature, record.encode())


@pytest.mark.parametrize(
    ("field", "changed"),
    [
        ("namespace", "handle"),
        ("key", b"x" * 20),
        ("value", b"other"),
        ("signer", b"\x09" * 32),
        ("seq", 4),
        ("issued_at_us", 1_001),
        ("expires_at_us", 2_001),
    ],
)
def test_changing_any_signed_field_breaks_the_signature(field: str, changed: Any) -> None:
    record = _record(keys.private_key_from_seed(SEED))
    assert not signing.verify_signature(dataclasses.replace(record, **{field: changed}))


def test_verify_signature_is_false_for_a_record_whose_fields_cannot_be_encoded() -> None:
    record = dataclasses.replace(_record(keys.private_key_from_seed(SEED)), seq=-1)
    assert signing.verify_signature(record) is False


def test_a_countersignature_verifies_and_is_bound_to_the_records_signature() -> None:
    owner, registrar = keys.private_key_from_seed(SEED), keys.generate_private_key()
    record = signing.countersign(_record(owner), registrar)
    (cs,) = record.countersignatures
    assert cs.signer == keys.public_key_bytes(registrar)
    assert signing.verify_countersignature(record, cs)
    other_signature = dataclasses.replace(record, signature=b"\x00" * 64)
    assert not signing.verify_countersignature(other_signature, cs)


def test_a_countersignature_is_not_a_valid_record_signature() -> None:
    """Domain separation: a registrar's countersignature cannot be reused as
    the registrar's signature over the same fields."""
    registrar = keys.private_key_from_seed(SEED)
    record = signing.countersign(_record(keys.generate_private_key()), registrar)
    cs = record.countersignatures[0]
    as_signed = dataclasses.replace(record, signer=cs.signer, signature=cs.signature)
    assert not signing.verify_signature(as_signed)


def test_countersigning_twice_with_one_key_keeps_one_countersignature() -> None:
    owner, registrar = keys.private_key_from_seed(SEED), keys.generate_private_key()
    once = signing.countersign(_record(owner), registrar)
    twice = signing.countersign(once, registrar)
    assert len(twice.countersignatures) == 1
    third = signing.countersign(twice, keys.generate_private_key())
    assert len(third.countersignatures) == 2
    assert all(signing.verify_countersignature(third, cs) for cs in third.countersignatures)
