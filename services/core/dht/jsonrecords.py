"""A small record policy for tests, the swarm harness and benchmarks.

Records are JSON objects authenticated with HMAC-SHA256 under a per-signer
secret that the policy knows (production uses the Ed25519 records of
``services.core.records``). It follows the ``RecordPolicy`` contract: keys
are derived from (namespace, key), ``seq`` orders versions, expiry is the
record's own, "provider" is a set namespace with a cap per key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

from services.core.dht.constants import MAX_RECORD_BYTES
from services.core.errors import InvalidRecord, RecordTooLarge
from services.core.records.policy import RecordInfo

#: Namespaces with set semantics (many signers per key).
MULTI_NAMESPACES = frozenset({"provider"})


def json_dht_key(namespace: str, key: str) -> bytes:
    """The 20-byte DHT key of (namespace, key)."""
    return hashlib.sha1(namespace.encode() + b"\x00" + key.encode()).digest()


def forge_json(raw: bytes) -> bytes:
    """A forgery of a test record for adversaries: seq bumped by 100, value
    changed, signed with a random secret (so every policy refuses it)."""
    doc = json.loads(raw)
    doc["seq"] += 100
    doc["value"] = "forged"
    doc["sig"] = hmac.new(os.urandom(32), raw, hashlib.sha256).hexdigest()
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def _body(doc: dict[str, Any]) -> bytes:
    fields = {k: doc[k] for k in ("ns", "key", "signer", "seq", "iat", "exp", "value")}
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


@dataclass
class JsonSigner:
    """A signer identity: a 32-byte id and its HMAC secret."""

    signer: bytes = field(default_factory=lambda: os.urandom(32))
    secret: bytes = field(default_factory=lambda: os.urandom(32))

    def make(
        self,
        namespace: str,
        key: str,
        value: str,
        seq: int,
        *,
        ttl_s: float = 3600.0,
        issued_at_us: int | None = None,
        secret: bytes | None = None,
    ) -> bytes:
        """An encoded record; ``secret`` other than ours forges the signature."""
        iat = time.time_ns() // 1000 if issued_at_us is None else issued_at_us
        doc: dict[str, Any] = {
            "ns": namespace,
            "key": key,
            "signer": self.signer.hex(),
            "seq": seq,
            "iat": iat,
            "exp": iat + int(ttl_s * 1_000_000),
            "value": value,
        }
        mac = hmac.new(secret or self.secret, _body(doc), hashlib.sha256).hexdigest()
        doc["sig"] = mac
        return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


class JsonRecordPolicy:
    """``RecordPolicy`` over ``JsonSigner`` records (see module docstring)."""

    def __init__(self, signers: list[JsonSigner] | None = None, set_cap: int = 8) -> None:
        self._secrets: dict[bytes, bytes] = {}
        self._cap = set_cap
        for s in signers or []:
            self.trust(s)

    def trust(self, signer: JsonSigner) -> None:
        self._secrets[signer.signer] = signer.secret

    def _decode(self, raw: bytes) -> dict[str, Any]:
        if len(raw) > MAX_RECORD_BYTES:
            raise RecordTooLarge(f"record is over {MAX_RECORD_BYTES} bytes")
        try:
            doc = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise InvalidRecord("record is not JSON") from None
        if not isinstance(doc, dict):
            raise InvalidRecord("record is not a JSON object")
        types = {"ns": str, "key": str, "signer": str, "seq": int, "iat": int, "exp": int}
        for name, kind in (*types.items(), ("value", str), ("sig", str)):
            if type(doc.get(name)) is not kind:
                raise InvalidRecord(f"record field {name!r} missing or of the wrong type")
        return doc

    def dht_key_of(self, raw: bytes) -> bytes:
        doc = self._decode(raw)
        return json_dht_key(doc["ns"], doc["key"])

    def check(self, dht_key: bytes, raw: bytes, now_us: int) -> RecordInfo:
        doc = self._decode(raw)
        if json_dht_key(doc["ns"], doc["key"]) != dht_key:
            raise InvalidRecord("record does not belong to this DHT key")
        try:
            signer = bytes.fromhex(doc["signer"])
        except ValueError:
            raise InvalidRecord("signer is not hex") from None
        secret = self._secrets.get(signer)
        if secret is None:
            raise InvalidRecord("unknown signer")
        want = hmac.new(secret, _body(doc), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(want, doc["sig"]):
            raise InvalidRecord("bad signature")
        if doc["exp"] <= now_us:
            raise InvalidRecord("record expired")
        if doc["seq"] < 0:
            raise InvalidRecord("seq must not be negative")
        return RecordInfo(
            namespace=doc["ns"],
            dht_key=dht_key,
            signer=signer,
            seq=doc["seq"],
            issued_at_us=doc["iat"],
            expires_at_us=doc["exp"],
            signature=bytes.fromhex(doc["sig"]),
            multi=doc["ns"] in MULTI_NAMESPACES,
            raw=raw,
        )

    def better(self, a: RecordInfo, b: RecordInfo) -> bool:
        return (a.seq, a.issued_at_us, a.raw) > (b.seq, b.issued_at_us, b.raw)

    def set_cap(self, namespace: str) -> int:
        return self._cap if namespace in MULTI_NAMESPACES else 1
