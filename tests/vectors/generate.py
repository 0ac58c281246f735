"""Generate tests/vectors/records.json, the signed-record test vectors.

Run from the repository root::

    .venv/bin/python -m tests.vectors.generate          # rewrite records.json
    .venv/bin/python -m tests.vectors.generate --check  # exit 1 if it differs

Everything is derived from fixed private-key seeds and fixed timestamps
(Ed25519 signing is deterministic), so the output is the same on every run.
The JSON is committed; tests/unit/core/records/test_records_vectors.py checks
it against the code in both directions. docs/records.md describes the format.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
from pathlib import Path
from typing import Any, NamedTuple

import blake3
from google.protobuf import json_format
from google.protobuf.message import Message

from ipndht.v1 import common_pb2, content_pb2, handles_pb2
from services.core.records import keys, signing
from services.core.records.model import Record, dht_key, dht_key_material

OUTPUT = Path(__file__).with_name("records.json")

S = 1_000_000  # microseconds per second
#: The "now" every vector is checked at: 2099-12-31T12:00:00Z.
NOW_US = 4_102_401_600 * S
#: Expiry of the valid vectors: 2100-01-01T00:00:00Z.
EXPIRES_US = 4_102_444_800 * S
ISSUED_HANDLE_US = 4_083_955_200 * S  # 2099-06-01T00:00:00Z
ISSUED_SET_US = 4_102_272_000 * S  # 2099-12-30T00:00:00Z
ISSUED_PEER_US = 4_102_358_400 * S  # 2099-12-31T00:00:00Z
DAY_US = 86_400 * S

SEEDS: dict[str, bytes] = {
    "owner": bytes(range(0x01, 0x21)),
    "registrar": bytes(range(0x21, 0x41)),
    "provider": bytes(range(0x41, 0x61)),
    "stranger": bytes(range(0x61, 0x81)),
    "new_owner": bytes(range(0x81, 0xA1)),
}
PRIV = {name: keys.private_key_from_seed(seed) for name, seed in SEEDS.items()}
PUB = {name: keys.public_key_bytes(key) for name, key in PRIV.items()}
NAME_OF_PUB = {pub: name for name, pub in PUB.items()}


def _handle(operation: int, owner: str = "owner", handle: str = "@alice.ipn") -> bytes:
    return handles_pb2.HandleRecord(
        handle=handle,
        owner_key=PUB[owner],
        target_key=PUB[owner],
        addresses=["udp://203.0.113.7:8469"],
        metadata={"display": "Alice"},
        operation=operation,  # type: ignore[arg-type]
    ).SerializeToString(deterministic=True)


def _hash_timer(time_us: int, seed: bytes) -> common_pb2.HashTimer:
    hex_ = f"{time_us:014x}" + blake3.blake3(seed).digest()[:25].hex()
    return common_pb2.HashTimer(hex=hex_, time_us=time_us)


def _provider_key(algorithm: int, digest: bytes) -> bytes:
    return bytes([algorithm]) + digest


def _provider(algorithm: int, digest: bytes, **extra: Any) -> bytes:
    return common_pb2.ProviderRecord(
        content=common_pb2.ContentHash(algorithm=algorithm, digest=digest),  # type: ignore[arg-type]
        addresses=["https://203.0.113.20/ipfs", "203.0.113.20:4001"],
        **extra,
    ).SerializeToString(deterministic=True)


SHA_DIGEST = hashlib.sha256(b"hello ipndht").digest()
BLAKE_DIGEST = blake3.blake3(b"hello ipndht").digest()
SHA_KEY = _provider_key(common_pb2.HASH_ALGORITHM_SHA2_256, SHA_DIGEST)
BLAKE_KEY = _provider_key(common_pb2.HASH_ALGORITHM_BLAKE3, BLAKE_DIGEST)
PEER_ID = hashlib.sha1(b"ipndht vector peer").digest()


def _resource(type_: str, id_: str, data: bytes, attributes: dict[str, str]) -> bytes:
    return content_pb2.ResourceRecord(
        type=type_, id=id_, data=data, attributes=attributes
    ).SerializeToString(deterministic=True)


def _sign(
    signer: str, namespace: str, key: bytes, value: bytes, seq: int, issued: int, expires: int
) -> Record:
    return signing.sign_record(PRIV[signer], namespace, key, value, seq, issued, expires)


def _registered(record: Record, registrar: str = "registrar") -> Record:
    return signing.countersign(record, PRIV[registrar])


def _payload_json(namespace: str, value: bytes) -> tuple[str, Any]:
    message: Message
    if namespace == "handle":
        message = handles_pb2.HandleRecord()
    elif namespace == "provider":
        message = common_pb2.ProviderRecord()
    elif namespace == "resource":
        message = content_pb2.ResourceRecord()
    else:
        message = common_pb2.Peer()
    message.ParseFromString(value)
    return message.DESCRIPTOR.full_name, json_format.MessageToDict(message)


def valid_records() -> list[tuple[str, str, Record]]:
    """(name, description, record) of every valid vector."""
    handle_register = _registered(
        _sign(
            "owner",
            "handle",
            b"@alice.ipn",
            _handle(handles_pb2.HANDLE_OPERATION_REGISTER),
            1,
            ISSUED_HANDLE_US,
            EXPIRES_US,
        )
    )
    transfer_value = handles_pb2.HandleRecord(
        handle="@alice.ipn",
        owner_key=PUB["new_owner"],
        target_key=PUB["new_owner"],
        operation=handles_pb2.HANDLE_OPERATION_TRANSFER,
    ).SerializeToString(deterministic=True)
    handle_transfer = _registered(
        _sign("owner", "handle", b"@alice.ipn", transfer_value, 2, ISSUED_HANDLE_US + S, EXPIRES_US)
    )
    provider_sha = _sign(
        "provider",
        "provider",
        SHA_KEY,
        _provider(
            common_pb2.HASH_ALGORITHM_SHA2_256,
            SHA_DIGEST,
            hash_timer=_hash_timer(ISSUED_SET_US, SHA_DIGEST),
            size_bytes=12,
        ),
        3,
        ISSUED_SET_US,
        EXPIRES_US,
    )
    provider_blake = _sign(
        "provider",
        "provider",
        BLAKE_KEY,
        _provider(common_pb2.HASH_ALGORITHM_BLAKE3, BLAKE_DIGEST, withdrawn=True),
        1,
        ISSUED_SET_US,
        EXPIRES_US,
    )
    resource = _sign(
        "provider",
        "resource",
        b"compute.gpu/node-7/slot-1",
        _resource("compute.gpu", "node-7/slot-1", b"\x00\x01gpu", {"region": "eu-west"}),
        1,
        ISSUED_SET_US,
        EXPIRES_US,
    )
    peer = _sign(
        "stranger",
        "peer",
        PEER_ID,
        common_pb2.Peer(node_id=PEER_ID, host="203.0.113.9", port=8468).SerializeToString(
            deterministic=True
        ),
        1,
        ISSUED_PEER_US,
        ISSUED_PEER_US + DAY_US,
    )
    return [
        (
            "handle_register",
            "owner-signed REGISTER countersigned by the registrar",
            handle_register,
        ),
        ("handle_transfer", "TRANSFER signed by the previous owner", handle_transfer),
        ("provider_sha2_256", "provider of a SHA2-256 hash with a HashTimer", provider_sha),
        ("provider_blake3_withdrawn", "withdrawal of a BLAKE3 provider record", provider_blake),
        ("resource", "typed resource 'compute.gpu/node-7/slot-1'", resource),
        ("peer", "peer record living exactly the 1-day maximum", peer),
    ]


class Bad(NamedTuple):
    """One invalid vector before encoding."""

    name: str
    description: str
    error: str
    rule: str
    record: Record | bytes
    #: Stored under this DHT key instead of the record's own.
    dht_key: bytes | None = None
    #: Trusted registrar set for this vector instead of the default one.
    trusted: list[str] | None = None


def invalid_records() -> list[Bad]:
    """Every invalid vector: one per rule kind."""
    valid = {name: record for name, _, record in valid_records()}
    handle = valid["handle_register"]
    provider = valid["provider_sha2_256"]
    resource = valid["resource"]
    unsigned_handle = dataclasses.replace(handle, countersignatures=())
    flipped = bytes([provider.signature[0] ^ 1]) + provider.signature[1:]
    cs = handle.countersignatures[0]
    bad_cs = dataclasses.replace(cs, signature=bytes([cs.signature[0] ^ 1]) + cs.signature[1:])
    big_attributes = {f"{i:02d}".ljust(64, "k"): "v" * 200 for i in range(16)}
    sha_value = provider.value

    def prov(value: bytes, issued: int, expires: int, key: bytes = SHA_KEY) -> Record:
        return _sign("provider", "provider", key, value, 4, issued, expires)

    def res(key: bytes, type_: str, id_: str, data: bytes, attributes: dict[str, str]) -> Record:
        value = _resource(type_, id_, data, attributes)
        return _sign("provider", "resource", key, value, 1, ISSUED_SET_US, EXPIRES_US)

    register = _handle(handles_pb2.HANDLE_OPERATION_REGISTER)
    return [
        Bad(
            "bad_signature",
            "signature byte flipped",
            "InvalidRecord",
            "signature",
            dataclasses.replace(provider, signature=flipped),
        ),
        Bad(
            "wrong_signer",
            "handle REGISTER signed by a key that is not the owner_key",
            "InvalidRecord",
            "wrong_signer",
            _registered(
                _sign(
                    "stranger", "handle", b"@alice.ipn", register, 1, ISSUED_HANDLE_US, EXPIRES_US
                )
            ),
        ),
        Bad(
            "expired",
            "provider record that expired before now",
            "InvalidRecord",
            "expired",
            prov(sha_value, 4_101_408_000 * S, 4_101_840_000 * S),
        ),
        Bad(
            "issued_in_future",
            "issued 10 minutes after now (skew limit 300 s)",
            "InvalidRecord",
            "issued_in_future",
            prov(sha_value, NOW_US + 600 * S, EXPIRES_US),
        ),
        Bad(
            "lifetime",
            "provider record living 8 days (limit 7)",
            "InvalidRecord",
            "lifetime",
            prov(sha_value, EXPIRES_US - 8 * DAY_US, EXPIRES_US),
        ),
        Bad(
            "too_large",
            "resource record of more than 7000 bytes encoded",
            "RecordTooLarge",
            "too_large",
            res(b"compute.gpu/big", "compute.gpu", "big", b"\x00" * 4096, big_attributes),
        ),
        Bad(
            "wrong_dht_key",
            "valid provider record stored under another hash's DHT key",
            "InvalidRecord",
            "wrong_dht_key",
            provider,
            dht_key=dht_key("provider", BLAKE_KEY),
        ),
        Bad(
            "registrar_countersignature_missing",
            "handle record without countersignature",
            "InvalidRecord",
            "registrar_countersignature_missing",
            unsigned_handle,
        ),
        Bad(
            "untrusted_registrar",
            "handle countersigned by a key that is not trusted",
            "InvalidRecord",
            "untrusted_registrar",
            _registered(unsigned_handle, "stranger"),
        ),
        Bad(
            "no_registrar_trusted",
            "valid handle record at a node that trusts no registrar",
            "InvalidRecord",
            "no_registrar_trusted",
            handle,
            trusted=[],
        ),
        Bad(
            "bad_countersignature",
            "registrar countersignature byte flipped",
            "InvalidRecord",
            "countersignature_invalid",
            dataclasses.replace(handle, countersignatures=(bad_cs,)),
        ),
        Bad(
            "bad_payload",
            "provider record whose value is not a ProviderRecord",
            "InvalidRecord",
            "payload",
            prov(b"\xff\xff\xff", ISSUED_SET_US, EXPIRES_US),
        ),
        Bad(
            "key_payload_mismatch",
            "resource key 'compute.gpu/node-7' with payload id 'node-8'",
            "InvalidRecord",
            "key_payload_mismatch",
            res(b"compute.gpu/node-7", "compute.gpu", "node-8", b"", {}),
        ),
        Bad(
            "provider_key_format",
            "provider key with algorithm byte 0 (unspecified)",
            "InvalidRecord",
            "key_format",
            prov(sha_value, ISSUED_SET_US, EXPIRES_US, key=b"\x00" + SHA_DIGEST),
        ),
        Bad(
            "unknown_namespace",
            "namespace 'nope'",
            "InvalidRecord",
            "unknown_namespace",
            _sign("provider", "nope", b"k", b"v", 1, ISSUED_SET_US, EXPIRES_US),
        ),
        Bad(
            "malformed",
            "bytes that are not a SignedRecord",
            "InvalidRecord",
            "malformed",
            b"\xff\xfe not a record",
            dht_key=dht_key("provider", SHA_KEY),
        ),
        Bad(
            "non_canonical",
            "valid resource record followed by an unknown field 15",
            "InvalidRecord",
            "malformed",
            resource.encode() + b"\x7a\x01x",
            dht_key=resource.dht_key(),
        ),
    ]


def _key_ref(public: bytes) -> dict[str, str]:
    name = NAME_OF_PUB.get(public)
    return {"signer_hex": public.hex(), "signer_name": name or ""}


def valid_vector(name: str, description: str, record: Record) -> dict[str, Any]:
    payload_type, payload = _payload_json(record.namespace, record.value)
    signing_bytes = signing.record_signing_bytes(record)
    return {
        "name": name,
        "description": description,
        "namespace": record.namespace,
        "key_hex": record.key.hex(),
        "value_hex": record.value.hex(),
        "payload_type": payload_type,
        "payload": payload,
        **_key_ref(record.signer),
        "seq": record.seq,
        "issued_at_us": record.issued_at_us,
        "expires_at_us": record.expires_at_us,
        "signing_bytes_hex": signing_bytes.hex(),
        "signature_hex": record.signature.hex(),
        "countersignatures": [
            {
                **_key_ref(cs.signer),
                "countersigning_bytes_hex": signing.countersigning_bytes(record).hex(),
                "signature_hex": cs.signature.hex(),
            }
            for cs in record.countersignatures
        ],
        "encoded_hex": record.encode().hex(),
        "dht_key_material_hex": dht_key_material(record.namespace, record.key).hex(),
        "dht_key_hex": record.dht_key().hex(),
    }


def build() -> dict[str, Any]:
    """The whole vector document."""
    invalid = []
    for bad in invalid_records():
        if isinstance(bad.record, Record):
            raw, key = bad.record.encode(), bad.record.dht_key()
        else:
            raw, key = bad.record, b""
        row: dict[str, Any] = {
            "name": bad.name,
            "description": bad.description,
            "error": bad.error,
            "rule": bad.rule,
            "dht_key_hex": (bad.dht_key or key).hex(),
            "encoded_hex": raw.hex(),
        }
        if bad.trusted is not None:
            row["trusted_registrars_hex"] = bad.trusted
        invalid.append(row)
    return {
        "format": "ipndht-record-vectors-v1",
        "description": (
            "Signed-record test vectors (docs/records.md). Check every vector at now_us "
            "with trusted_registrars_hex as the trusted registrar set unless the vector "
            "gives its own."
        ),
        "now_us": NOW_US,
        "max_record_bytes": 7000,
        "trusted_registrars_hex": [PUB["registrar"].hex()],
        "keys": {
            name: {"seed_hex": SEEDS[name].hex(), "public_hex": PUB[name].hex()} for name in SEEDS
        },
        "valid": [valid_vector(*row) for row in valid_records()],
        "invalid": invalid,
    }


def render() -> str:
    """The JSON text written to records.json."""
    return json.dumps(build(), indent=2) + "\n"


def write_or_check(
    output: Path, text: str, module: str, argv: list[str] | None, doc: str | None
) -> int:
    """The command line of a vector generator: write ``text`` to ``output``,
    or with --check exit 1 (naming the command) when the file differs."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--check", action="store_true", help=f"exit 1 if {output.name} differs")
    args = parser.parse_args(argv)
    if args.check:
        if output.read_text(encoding="utf-8") != text:
            sys.stderr.write(f"{output} is stale; run: python -m {module}\n")
            return 1
        return 0
    output.write_text(text, encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    return write_or_check(OUTPUT, render(), "tests.vectors.generate", argv, __doc__)


if __name__ == "__main__":
    raise SystemExit(main())
