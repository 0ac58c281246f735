"""The committed test vectors (tests/vectors/records.json) against the code,
in both directions: bytes rebuilt from the vector fields must equal the
vector's bytes, and the vector's bytes must verify and validate."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import struct
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from google.protobuf import json_format

from ipndht.v1 import common_pb2, content_pb2, handles_pb2
from services.core import errors
from services.core.records import canonical, signing
from services.core.records.model import Countersignature, Record, decode, dht_key, dht_key_material
from services.core.records.rules import SignedRecordPolicy

VECTORS_DIR = Path(__file__).resolve().parents[4] / "tests" / "vectors"
DOC = json.loads((VECTORS_DIR / "records.json").read_text(encoding="utf-8"))
VALID: list[dict[str, Any]] = DOC["valid"]
INVALID: list[dict[str, Any]] = DOC["invalid"]
NOW_US: int = DOC["now_us"]
SEED_BY_PUBLIC = {
    bytes.fromhex(k["public_hex"]): bytes.fromhex(k["seed_hex"]) for k in DOC["keys"].values()
}
PAYLOAD_TYPES = {
    "ipndht.v1.HandleRecord": handles_pb2.HandleRecord,
    "ipndht.v1.ProviderRecord": common_pb2.ProviderRecord,
    "ipndht.v1.ResourceRecord": content_pb2.ResourceRecord,
    "ipndht.v1.Peer": common_pb2.Peer,
}


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "records_vector_generator", VECTORS_DIR / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _reference_signing_bytes(v: dict[str, Any]) -> bytes:
    """docs/records.md's layout, written out independently of canonical.py."""

    def field(data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + data

    return (
        b"ipndht-record-v1\x00"
        + field(v["namespace"].encode("utf-8"))
        + field(bytes.fromhex(v["key_hex"]))
        + field(bytes.fromhex(v["value_hex"]))
        + field(bytes.fromhex(v["signer_hex"]))
        + struct.pack(">QQQ", v["seq"], v["issued_at_us"], v["expires_at_us"])
    )


def _record(v: dict[str, Any]) -> Record:
    return Record(
        namespace=v["namespace"],
        key=bytes.fromhex(v["key_hex"]),
        value=bytes.fromhex(v["value_hex"]),
        signer=bytes.fromhex(v["signer_hex"]),
        seq=v["seq"],
        issued_at_us=v["issued_at_us"],
        expires_at_us=v["expires_at_us"],
        signature=bytes.fromhex(v["signature_hex"]),
        countersignatures=tuple(
            Countersignature(bytes.fromhex(cs["signer_hex"]), bytes.fromhex(cs["signature_hex"]))
            for cs in v["countersignatures"]
        ),
    )


def _policy(trusted_hex: list[str]) -> SignedRecordPolicy:
    return SignedRecordPolicy([bytes.fromhex(h) for h in trusted_hex])


def test_the_committed_vectors_are_exactly_what_the_generator_produces() -> None:
    """Regenerating from the fixed seeds gives the committed file byte for
    byte (run `python -m tests.vectors.generate` after a deliberate change)."""
    generated = _generator().render()
    assert generated == (VECTORS_DIR / "records.json").read_text(encoding="utf-8")


def test_every_key_seed_gives_its_public_key() -> None:
    for public, seed in SEED_BY_PUBLIC.items():
        key = Ed25519PrivateKey.from_private_bytes(seed)
        assert key.public_key() == Ed25519PublicKey.from_public_bytes(public)


def test_vectors_cover_every_namespace_and_every_required_failure() -> None:
    assert {v["namespace"] for v in VALID} == {"handle", "provider", "resource", "peer"}
    required = {
        "bad_signature",
        "wrong_signer",
        "expired",
        "issued_in_future",
        "too_large",
        "wrong_dht_key",
        "registrar_countersignature_missing",
        "untrusted_registrar",
        "bad_payload",
        "key_payload_mismatch",
    }
    assert required <= {v["name"] for v in INVALID}


@pytest.mark.parametrize("v", VALID, ids=lambda v: v["name"])
def test_signing_bytes_rebuilt_from_the_fields_match_the_vector(v: dict[str, Any]) -> None:
    expected = bytes.fromhex(v["signing_bytes_hex"])
    assert _reference_signing_bytes(v) == expected
    assert signing.record_signing_bytes(_record(v)) == expected


@pytest.mark.parametrize("v", VALID, ids=lambda v: v["name"])
def test_signatures_are_the_deterministic_ed25519_signatures_of_the_seeds(
    v: dict[str, Any],
) -> None:
    message = bytes.fromhex(v["signing_bytes_hex"])
    signer = bytes.fromhex(v["signer_hex"])
    signature = Ed25519PrivateKey.from_private_bytes(SEED_BY_PUBLIC[signer]).sign(message)
    assert signature.hex() == v["signature_hex"]
    Ed25519PublicKey.from_public_bytes(signer).verify(signature, message)
    assert signing.verify_signature(_record(v))


@pytest.mark.parametrize("v", [v for v in VALID if v["countersignatures"]], ids=lambda v: v["name"])
def test_countersignatures_cover_prefix_signing_bytes_and_the_signature(v: dict[str, Any]) -> None:
    record = _record(v)
    for cs in v["countersignatures"]:
        expected = (
            b"ipndht-countersign-v1\x00"
            + bytes.fromhex(v["signing_bytes_hex"])
            + struct.pack(">I", 64)
            + bytes.fromhex(v["signature_hex"])
        )
        assert bytes.fromhex(cs["countersigning_bytes_hex"]) == expected
        assert (
            canonical.countersigning_bytes(bytes.fromhex(v["signing_bytes_hex"]), record.signature)
            == expected
        )
        signer = bytes.fromhex(cs["signer_hex"])
        seed = SEED_BY_PUBLIC[signer]
        assert (
            Ed25519PrivateKey.from_private_bytes(seed).sign(expected).hex() == cs["signature_hex"]
        )
        assert signing.verify_countersignature(
            record, Countersignature(signer, bytes.fromhex(cs["signature_hex"]))
        )


@pytest.mark.parametrize("v", VALID, ids=lambda v: v["name"])
def test_the_encoded_record_round_trips_with_the_fields(v: dict[str, Any]) -> None:
    raw = bytes.fromhex(v["encoded_hex"])
    assert _record(v).encode() == raw
    assert decode(raw) == _record(v)


@pytest.mark.parametrize("v", VALID, ids=lambda v: v["name"])
def test_the_payload_json_is_the_signed_value(v: dict[str, Any]) -> None:
    message = json_format.ParseDict(v["payload"], PAYLOAD_TYPES[v["payload_type"]]())
    assert message.SerializeToString(deterministic=True).hex() == v["value_hex"]


@pytest.mark.parametrize("v", VALID, ids=lambda v: v["name"])
def test_the_dht_key_is_sha1_of_namespace_slash_key(v: dict[str, Any]) -> None:
    key = bytes.fromhex(v["key_hex"])
    material = v["namespace"].encode() + b"/" + key
    assert (
        bytes.fromhex(v["dht_key_material_hex"])
        == material
        == dht_key_material(v["namespace"], key)
    )
    assert (
        bytes.fromhex(v["dht_key_hex"])
        == hashlib.sha1(material).digest()
        == dht_key(v["namespace"], key)
    )


@pytest.mark.parametrize("v", VALID, ids=lambda v: v["name"])
def test_valid_vectors_pass_the_policy_at_now(v: dict[str, Any]) -> None:
    info = _policy(DOC["trusted_registrars_hex"]).check(
        bytes.fromhex(v["dht_key_hex"]), bytes.fromhex(v["encoded_hex"]), NOW_US
    )
    assert (info.namespace, info.seq, info.signer.hex()) == (
        v["namespace"],
        v["seq"],
        v["signer_hex"],
    )
    assert info.raw.hex() == v["encoded_hex"]


@pytest.mark.parametrize("v", INVALID, ids=lambda v: v["name"])
def test_invalid_vectors_fail_with_their_error_and_rule(v: dict[str, Any]) -> None:
    policy = _policy(v.get("trusted_registrars_hex", DOC["trusted_registrars_hex"]))
    with pytest.raises(errors.InvalidRecord) as info:
        policy.check(bytes.fromhex(v["dht_key_hex"]), bytes.fromhex(v["encoded_hex"]), NOW_US)
    assert type(info.value) is getattr(errors, v["error"])
    assert str(info.value).startswith(v["rule"] + ":"), str(info.value)


def test_the_worked_examples_in_docs_records_md_match_the_vectors() -> None:
    """The hex shown in the spec is the vectors' hex (whitespace ignored)."""
    doc = (VECTORS_DIR.parents[1] / "docs" / "records.md").read_text(encoding="utf-8")
    flat = "".join(doc.split())
    peer = next(v for v in VALID if v["name"] == "peer")
    for field in ("signature_hex", "encoded_hex", "dht_key_hex", "dht_key_material_hex"):
        assert peer[field] in flat, field
    example = doc.split("### Worked example (vector `peer`)")[1].split("151 bytes in all")[0]
    block = example.split("```")[1]
    first_tokens = [line.split()[0] for line in block.splitlines() if line.strip()]
    hex_lines = [t for t in first_tokens if all(c in "0123456789abcdef" for c in t)]
    assert "".join(hex_lines) == peer["signing_bytes_hex"]
    transfer = next(v for v in VALID if v["name"] == "handle_transfer")
    assert transfer["signature_hex"] in flat
    assert transfer["countersignatures"][0]["signer_hex"] in flat
