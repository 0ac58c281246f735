"""The Record envelope, its protobuf wire form and the DHT key derivation."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kademlia.utils import digest

from ipndht.v1 import common_pb2
from services.core.errors import InvalidRecord
from services.core.records import model
from services.core.records.model import Countersignature, Record

U64 = st.integers(min_value=0, max_value=2**64 - 1)

records = st.builds(
    Record,
    namespace=st.text(max_size=40),
    key=st.binary(max_size=300),
    value=st.binary(max_size=300),
    signer=st.binary(max_size=40),
    seq=U64,
    issued_at_us=U64,
    expires_at_us=U64,
    signature=st.binary(max_size=70),
    countersignatures=st.lists(
        st.builds(
            Countersignature, signer=st.binary(max_size=40), signature=st.binary(max_size=70)
        ),
        max_size=5,
    ).map(tuple),
)


def _sample() -> Record:
    return Record(
        namespace="provider",
        key=b"\x01" + b"\x22" * 32,
        value=b"payload",
        signer=b"\x33" * 32,
        seq=9,
        issued_at_us=1_000,
        expires_at_us=2_000,
        signature=b"\x44" * 64,
        countersignatures=(Countersignature(b"\x55" * 32, b"\x66" * 64),),
    )


def test_record_is_frozen_and_slotted() -> None:
    record = _sample()
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.seq = 10  # type: ignore[misc]
    assert not hasattr(record, "__dict__")


def test_to_proto_and_from_proto_round_trip_every_field() -> None:
    record = _sample()
    message = record.to_proto()
    assert isinstance(message, common_pb2.SignedRecord)
    assert message.countersignatures[0].signer == b"\x55" * 32
    assert Record.from_proto(message) == record


def test_encode_is_the_protobuf_serialisation_and_decode_inverts_it() -> None:
    record = _sample()
    raw = record.encode()
    assert raw == record.to_proto().SerializeToString(deterministic=True)
    assert model.decode(raw) == record


@given(records)
@settings(max_examples=200)
def test_any_representable_record_round_trips_through_encode_and_decode(record: Record) -> None:
    try:
        raw = record.encode()
    except InvalidRecord:  # lone surrogates in the namespace cannot be encoded
        return
    assert model.decode(raw) == record


@given(st.binary(max_size=600))
@settings(max_examples=1000)
def test_decode_of_arbitrary_bytes_raises_only_invalid_record(raw: bytes) -> None:
    try:
        record = model.decode(raw)
    except InvalidRecord:
        return
    assert record.encode() == raw


@given(records, st.binary(min_size=1, max_size=20), st.integers(min_value=0))
@settings(max_examples=300)
def test_decode_of_mutated_records_raises_only_invalid_record(
    record: Record, junk: bytes, where: int
) -> None:
    try:
        raw = record.encode()
    except InvalidRecord:
        return
    cut = where % (len(raw) + 1)
    for candidate in (raw[:cut], raw[:cut] + junk + raw[cut:], raw + junk):
        with contextlib.suppress(InvalidRecord):
            model.decode(candidate)


@pytest.mark.parametrize(
    ("case", "raw"),
    [
        ("unknown field", _sample().encode() + b"\x7a\x01x"),
        ("repeated scalar field", _sample().encode() + b"\x28\x0a"),
        ("default value written out", b"\x28\x00" + b""),
        ("fields out of order", b"\x28\x01\x0a\x01p"),
        ("non-minimal varint", b"\x28\x81\x00"),
    ],
)
def test_decode_refuses_non_canonical_encodings(case: str, raw: bytes) -> None:
    """One record has exactly one byte form: nothing unsigned rides along."""
    with pytest.raises(InvalidRecord, match="canonical"):
        model.decode(raw)


@pytest.mark.parametrize("raw", [b"\xff", b"\x0a\x05ab", b"\x0a\x02\xff\xfe"], ids=repr)
def test_decode_of_garbage_says_it_is_not_a_signed_record(raw: bytes) -> None:
    with pytest.raises(InvalidRecord, match="not a protobuf SignedRecord"):
        model.decode(raw)


def test_decode_of_something_that_is_not_bytes_raises_invalid_record() -> None:
    with pytest.raises(InvalidRecord, match="bytes"):
        model.decode("text")  # type: ignore[arg-type]


def test_decode_accepts_bytearray_and_memoryview() -> None:
    raw = _sample().encode()
    assert model.decode(bytearray(raw)) == model.decode(memoryview(raw)) == _sample()


def test_encode_of_an_out_of_range_integer_raises_invalid_record() -> None:
    with pytest.raises(InvalidRecord, match="cannot be encoded"):
        dataclasses.replace(_sample(), seq=-1).encode()


def test_dht_key_material_is_namespace_slash_key() -> None:
    assert model.dht_key_material("handle", b"@alice.ipn") == b"handle/@alice.ipn"


@given(st.text(max_size=20), st.binary(max_size=64))
def test_dht_key_is_the_kademlia_digest_of_the_material(namespace: str, key: bytes) -> None:
    try:
        material = model.dht_key_material(namespace, key)
    except UnicodeEncodeError:
        return
    assert model.dht_key(namespace, key) == digest(material) == hashlib.sha1(material).digest()
    assert len(model.dht_key(namespace, key)) == 20


def test_record_dht_key_uses_its_namespace_and_key() -> None:
    record = _sample()
    assert record.dht_key() == model.dht_key(record.namespace, record.key)


def test_with_countersignature_replaces_one_by_the_same_signer() -> None:
    record = _sample()
    replaced = record.with_countersignature(Countersignature(b"\x55" * 32, b"\x77" * 64))
    assert replaced.countersignatures == (Countersignature(b"\x55" * 32, b"\x77" * 64),)
    added = record.with_countersignature(Countersignature(b"\x88" * 32, b"\x77" * 64))
    assert len(added.countersignatures) == 2
