"""Generate tests/vectors/clients.json: what the Python SDK builds, for other
clients to reproduce byte for byte.

Run from the repository root::

    .venv/bin/python -m tests.vectors.generate_clients          # rewrite clients.json
    .venv/bin/python -m tests.vectors.generate_clients --check  # exit 1 if it differs

Every uint64 is a decimal string (as in protobuf's JSON form), so readers
whose numbers are doubles keep all 64 bits. Three lists, from the fixed
seeds of records.json and fixed times:

- ``hash_timers``: ``services.content.hashtimer.create(time_us, payload)``;
- ``announcement_timers``: the HashTimer the content service recomputes for
  an announcement (``services.content.announce.timer_of_fields``);
- ``sdk_records``: the encoded SignedRecord of each SDK write helper
  (``ipndht_client.handles`` and ``ipndht_client.content``) with its inputs.

clients/node/test/vectors.test.js checks the Node.js client against it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import blake3

from ipndht.v1 import common_pb2
from ipndht_client import content as content_sdk
from ipndht_client import handles as handles_sdk
from services.content import hashtimer
from services.content.announce import timer_of_fields
from services.core.records import keys
from tests.vectors.generate import SEEDS, write_or_check

OUTPUT = Path(__file__).with_name("clients.json")

S = 1_000_000  # microseconds per second
#: Issue time of every SDK record: 2099-06-01T00:00:00Z, far from any expiry.
ISSUED_US = 4_083_955_200 * S
#: Registration expiry of the handle records: one year after issue.
HANDLE_EXPIRES_US = ISSUED_US + 365 * 86_400 * S

PRIV = {name: keys.private_key_from_seed(seed) for name, seed in SEEDS.items()}
PUB = {name: keys.public_key_bytes(key) for name, key in PRIV.items()}

#: (time_us, payload) pairs: zero, the 56-bit maximum, ordinary times.
TIMER_CASES: list[tuple[int, bytes]] = [
    (0, b""),
    (1, b"a"),
    (ISSUED_US, b"hello ipndht"),
    ((1 << 56) - 1, bytes(range(256))),
]


def hash_timers() -> list[dict[str, Any]]:
    return [
        {
            "time_us": str(time_us),
            "payload_hex": payload.hex(),
            "hex": hashtimer.create(time_us, payload).hex,
        }
        for time_us, payload in TIMER_CASES
    ]


def announcement_timers() -> list[dict[str, Any]]:
    digest = hashlib.sha256(b"hello ipndht").digest()
    cases = [
        ("provider", PUB["provider"], bytes([1]) + digest, 1, ISSUED_US),
        ("provider", PUB["owner"], bytes([2]) + blake3.blake3(b"x").digest(), 2**63, ISSUED_US + 7),
        ("resource", PUB["provider"], b"compute.gpu/node-7", 3, ISSUED_US),
    ]
    rows = []
    for namespace, signer, key, seq, issued in cases:
        timer = timer_of_fields(namespace, signer, key, seq, issued)
        rows.append(
            {
                "namespace": namespace,
                "signer_hex": signer.hex(),
                "key_hex": key.hex(),
                "seq": str(seq),
                "issued_at_us": str(issued),
                "hex": timer.hex,
                "time_us": str(timer.time_us),
            }
        )
    return rows


#: Inputs that are uint64 and so written as decimal strings.
U64_INPUTS = frozenset({"seq", "issued_at_us", "expires_at_us"})


def _row(name: str, inputs: dict[str, Any], record: common_pb2.SignedRecord) -> dict[str, Any]:
    return {
        "name": name,
        "inputs": {k: str(v) if k in U64_INPUTS else v for k, v in inputs.items()},
        "encoded_hex": record.SerializeToString(deterministic=True).hex(),
    }


def sdk_records() -> list[dict[str, Any]]:
    owner = PRIV["owner"]
    registered = handles_sdk.register(
        owner,
        "@Alice.IPN",
        addresses=["udp://203.0.113.7:8469"],
        metadata={"display": "Alice"},
        issued_at_us=ISSUED_US,
        expires_at_us=HANDLE_EXPIRES_US,
    )
    updated = handles_sdk.update(
        owner, registered, addresses=["udp://203.0.113.8:8469"], issued_at_us=ISSUED_US + 1
    )
    transferred = handles_sdk.transfer(owner, updated, PUB["new_owner"], issued_at_us=ISSUED_US + 2)
    renewed = handles_sdk.renew(
        PRIV["new_owner"],
        transferred,
        issued_at_us=ISSUED_US + 3,
        expires_at_us=HANDLE_EXPIRES_US + 86_400 * S,
    )
    released = handles_sdk.release(PRIV["new_owner"], renewed, issued_at_us=ISSUED_US + 4)
    content = common_pb2.ContentHash(
        algorithm=common_pb2.HASH_ALGORITHM_BLAKE3, digest=blake3.blake3(b"hello ipndht").digest()
    )
    provided = content_sdk.provider_record(
        PRIV["provider"],
        content,
        ["tcp://203.0.113.9:4001"],
        seq=1,
        size_bytes=12,
        issued_at_us=ISSUED_US,
    )
    withdrawn = content_sdk.provider_record(
        PRIV["provider"], content, seq=2, withdrawn=True, issued_at_us=ISSUED_US + 1
    )
    resource = content_sdk.resource_record(
        PRIV["provider"],
        "compute.gpu",
        "node-7",
        b"\x00gpu",
        {"region": "eu-west", "arch": "x86_64"},
        issued_at_us=ISSUED_US,
    )
    return [
        _row(
            "register",
            {
                "signer": "owner",
                "handle": "@Alice.IPN",
                "addresses": ["udp://203.0.113.7:8469"],
                "metadata": {"display": "Alice"},
                "issued_at_us": ISSUED_US,
                "expires_at_us": HANDLE_EXPIRES_US,
            },
            registered,
        ),
        _row(
            "update",
            {
                "signer": "owner",
                "current": "register",
                "addresses": ["udp://203.0.113.8:8469"],
                "issued_at_us": ISSUED_US + 1,
            },
            updated,
        ),
        _row(
            "transfer",
            {
                "signer": "owner",
                "current": "update",
                "new_owner": "new_owner",
                "issued_at_us": ISSUED_US + 2,
            },
            transferred,
        ),
        _row(
            "renew",
            {
                "signer": "new_owner",
                "current": "transfer",
                "issued_at_us": ISSUED_US + 3,
                "expires_at_us": HANDLE_EXPIRES_US + 86_400 * S,
            },
            renewed,
        ),
        _row(
            "release",
            {"signer": "new_owner", "current": "renew", "issued_at_us": ISSUED_US + 4},
            released,
        ),
        _row(
            "provide",
            {
                "signer": "provider",
                "algorithm": "BLAKE3",
                "data_hex": b"hello ipndht".hex(),
                "addresses": ["tcp://203.0.113.9:4001"],
                "seq": 1,
                "size_bytes": 12,
                "ttl_s": content_sdk.DEFAULT_TTL_S,
                "issued_at_us": ISSUED_US,
            },
            provided,
        ),
        _row(
            "withdraw",
            {
                "signer": "provider",
                "algorithm": "BLAKE3",
                "data_hex": b"hello ipndht".hex(),
                "seq": 2,
                "withdrawn": True,
                "ttl_s": content_sdk.DEFAULT_TTL_S,
                "issued_at_us": ISSUED_US + 1,
            },
            withdrawn,
        ),
        _row(
            "resource",
            {
                "signer": "provider",
                "type": "compute.gpu",
                "id": "node-7",
                "data_hex": "00677075",
                "attributes": {"region": "eu-west", "arch": "x86_64"},
                "ttl_s": 3600,
                "issued_at_us": ISSUED_US,
            },
            resource,
        ),
    ]


def build() -> dict[str, Any]:
    return {
        "format": "ipndht-client-vectors-v1",
        "description": (
            "What the Python SDK and the content service compute, for other clients to "
            "reproduce; keys are the seeds of records.json."
        ),
        "hash_timers": hash_timers(),
        "announcement_timers": announcement_timers(),
        "sdk_records": sdk_records(),
    }


def render() -> str:
    return json.dumps(build(), indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    return write_or_check(OUTPUT, render(), "tests.vectors.generate_clients", argv, __doc__)


if __name__ == "__main__":
    raise SystemExit(main())
