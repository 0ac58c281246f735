"""Fixtures of the signed-record tests: fixed keys, a policy, record builders."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from ipndht.v1 import common_pb2, content_pb2, handles_pb2
from services.core.records import keys, signing
from services.core.records.model import Record
from services.core.records.rules import SignedRecordPolicy

S = 1_000_000
#: 2027-01-15T08:00:00Z, the "now" of these tests.
NOW_US = 1_800_000_000 * S
DAY_US = 86_400 * S


class Keys:
    """Fixed Ed25519 keys by role."""

    def __init__(self) -> None:
        self.owner = keys.private_key_from_seed(b"\x01" * 32)
        self.registrar = keys.private_key_from_seed(b"\x02" * 32)
        self.provider = keys.private_key_from_seed(b"\x03" * 32)
        self.stranger = keys.private_key_from_seed(b"\x04" * 32)
        self.new_owner = keys.private_key_from_seed(b"\x05" * 32)

    @staticmethod
    def pub(private_key: keys.Ed25519PrivateKey) -> bytes:
        return keys.public_key_bytes(private_key)


class Make:
    """Builders of valid records of each namespace; keyword arguments
    override payload fields or envelope fields."""

    def __init__(self, k: Keys) -> None:
        self.k = k

    def sign(
        self,
        private_key: keys.Ed25519PrivateKey,
        namespace: str,
        key: bytes,
        value: bytes,
        *,
        seq: int = 1,
        issued_at_us: int = NOW_US - 60 * S,
        expires_at_us: int = NOW_US + DAY_US // 2,
    ) -> Record:
        return signing.sign_record(
            private_key, namespace, key, value, seq, issued_at_us, expires_at_us
        )

    def handle_value(self, handle: str = "@alice.ipn", **fields: Any) -> bytes:
        owner = self.k.pub(self.k.owner)
        payload: dict[str, Any] = {
            "handle": handle,
            "owner_key": owner,
            "target_key": owner,
            "operation": handles_pb2.HANDLE_OPERATION_REGISTER,
        }
        payload.update(fields)
        return handles_pb2.HandleRecord(**payload).SerializeToString(deterministic=True)

    def handle(
        self,
        handle: str = "@alice.ipn",
        *,
        signer: keys.Ed25519PrivateKey | None = None,
        registrar: keys.Ed25519PrivateKey | None = None,
        key: bytes | None = None,
        envelope: dict[str, Any] | None = None,
        **fields: Any,
    ) -> Record:
        record = self.sign(
            signer or self.k.owner,
            "handle",
            handle.encode() if key is None else key,
            self.handle_value(handle, **fields),
            **(envelope or {}),
        )
        return signing.countersign(record, registrar or self.k.registrar)

    def content_key(self, data: bytes = b"content") -> bytes:
        return bytes([common_pb2.HASH_ALGORITHM_SHA2_256]) + hashlib.sha256(data).digest()

    def provider(
        self,
        key: bytes | None = None,
        *,
        signer: keys.Ed25519PrivateKey | None = None,
        envelope: dict[str, Any] | None = None,
        **fields: Any,
    ) -> Record:
        key = self.content_key() if key is None else key
        payload: dict[str, Any] = {
            "content": common_pb2.ContentHash(algorithm=key[0], digest=key[1:]),  # type: ignore[arg-type]
            "addresses": ["203.0.113.20:4001"],
        }
        payload.update(fields)
        value = common_pb2.ProviderRecord(**payload).SerializeToString(deterministic=True)
        return self.sign(signer or self.k.provider, "provider", key, value, **(envelope or {}))

    def resource(
        self,
        type_: str = "compute.gpu",
        id_: str = "node-7",
        *,
        key: bytes | None = None,
        signer: keys.Ed25519PrivateKey | None = None,
        envelope: dict[str, Any] | None = None,
        **fields: Any,
    ) -> Record:
        payload: dict[str, Any] = {"type": type_, "id": id_, "data": b"d"}
        payload.update(fields)
        value = content_pb2.ResourceRecord(**payload).SerializeToString(deterministic=True)
        record_key = f"{type_}/{id_}".encode() if key is None else key
        return self.sign(
            signer or self.k.provider, "resource", record_key, value, **(envelope or {})
        )

    def peer(
        self,
        node_id: bytes = b"\x07" * 20,
        *,
        key: bytes | None = None,
        envelope: dict[str, Any] | None = None,
        **fields: Any,
    ) -> Record:
        payload: dict[str, Any] = {"node_id": node_id, "host": "203.0.113.9", "port": 8468}
        payload.update(fields)
        value = common_pb2.Peer(**payload).SerializeToString(deterministic=True)
        return self.sign(
            self.k.stranger, "peer", node_id if key is None else key, value, **(envelope or {})
        )


@pytest.fixture(scope="session")
def k() -> Keys:
    return Keys()


@pytest.fixture(scope="session")
def make(k: Keys) -> Make:
    return Make(k)


@pytest.fixture
def policy(k: Keys) -> SignedRecordPolicy:
    return SignedRecordPolicy([k.pub(k.registrar)], clock=lambda: NOW_US)


@pytest.fixture
def now_us() -> int:
    return NOW_US
