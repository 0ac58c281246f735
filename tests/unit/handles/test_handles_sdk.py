"""The SDK's handle signing helpers produce the committed test vectors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ipndht.v1 import handles_pb2
from ipndht_client import handles as sdk
from services.core.records import keys
from services.core.records.model import Record

VECTORS = json.loads((Path(__file__).parents[2] / "vectors" / "records.json").read_text())
KEYS = {
    name: keys.private_key_from_seed(bytes.fromhex(k["seed_hex"]))
    for name, k in VECTORS["keys"].items()
}


def _vector(name: str) -> dict[str, Any]:
    return next(v for v in VECTORS["valid"] if v["name"] == name)


def test_register_helper_signs_the_register_vector() -> None:
    """register() with the vector's fields gives its value, signing bytes and signature."""
    v = _vector("handle_register")
    record = sdk.register(
        KEYS["owner"],
        "@Alice.IPN",
        addresses=["udp://203.0.113.7:8469"],
        metadata={"display": "Alice"},
        issued_at_us=v["issued_at_us"],
        expires_at_us=v["expires_at_us"],
    )
    assert record.key.hex() == v["key_hex"]
    assert record.value.hex() == v["value_hex"]
    assert record.seq == v["seq"]
    assert record.signature.hex() == v["signature_hex"]


def test_transfer_helper_signs_the_transfer_vector() -> None:
    """transfer() after the registered record gives the transfer vector's signature."""
    reg = _vector("handle_register")
    v = _vector("handle_transfer")
    current = Record.from_proto(
        sdk.register(
            KEYS["owner"],
            "@alice.ipn",
            addresses=["udp://203.0.113.7:8469"],
            metadata={"display": "Alice"},
            issued_at_us=reg["issued_at_us"],
            expires_at_us=reg["expires_at_us"],
        )
    ).to_proto()
    record = sdk.transfer(
        KEYS["owner"],
        current,
        keys.public_key_bytes(KEYS["new_owner"]),
        issued_at_us=v["issued_at_us"],
    )
    assert record.value.hex() == v["value_hex"]
    assert record.seq == 2 and record.expires_at_us == v["expires_at_us"]
    assert record.signature.hex() == v["signature_hex"]


def test_update_renew_release_follow_the_current_record() -> None:
    """update/renew/release sign seq + 1, keep the owner, and set the operation."""
    owner = KEYS["owner"]
    first = sdk.register(owner, "@bob.ipn", issued_at_us=1_000, expires_at_us=2_000_000)
    updated = sdk.update(owner, first, addresses=["tcp://127.0.0.1:1"], issued_at_us=2_000)
    renewed = sdk.renew(owner, updated, issued_at_us=3_000, expires_at_us=9_000_000)
    released = sdk.release(owner, renewed, issued_at_us=4_000)
    for record, seq, op in (
        (updated, 2, handles_pb2.HANDLE_OPERATION_UPDATE),
        (renewed, 3, handles_pb2.HANDLE_OPERATION_RENEW),
        (released, 4, handles_pb2.HANDLE_OPERATION_RELEASE),
    ):
        payload = handles_pb2.HandleRecord.FromString(record.value)
        assert record.seq == seq and payload.operation == op
        assert payload.owner_key == keys.public_key_bytes(owner)
    assert updated.expires_at_us == first.expires_at_us
    assert renewed.expires_at_us == 9_000_000
    assert list(handles_pb2.HandleRecord.FromString(released.value).addresses) == [
        "tcp://127.0.0.1:1"
    ]
