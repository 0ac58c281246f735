"""The contract between the DHT node and the record rules.

The DHT node (``services.core.dht``) stores and serves opaque record bytes;
everything it needs to know about a record it asks a ``RecordPolicy``:
whether the bytes are a valid record for a DHT key now, and which of two
valid records is better. ``services.core.records.rules`` provides the
signed-record implementation; tests may provide simpler ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RecordInfo:
    """What the DHT node knows of one valid record."""

    #: The record namespace ("handle", "provider", ...).
    namespace: str
    #: The 20-byte Kademlia key the record is stored under.
    dht_key: bytes
    #: Ed25519 key of the signer, 32 bytes; with ``multi`` namespaces the
    #: DHT keeps one record per (dht_key, signer).
    signer: bytes
    seq: int
    issued_at_us: int
    expires_at_us: int
    signature: bytes
    #: True for set namespaces (providers: many signers per key, capped);
    #: False for single-value namespaces (one best record per key).
    multi: bool
    #: The encoded record, exactly as received and as served.
    raw: bytes


class RecordPolicy(Protocol):
    """Validation and selection, injected into the DHT node."""

    def check(self, dht_key: bytes, raw: bytes, now_us: int) -> RecordInfo:
        """Decode and validate ``raw`` for ``dht_key`` at ``now_us``.

        Raises ``services.core.errors.InvalidRecord`` (or a subclass, e.g.
        ``RecordTooLarge``) with a message naming the rule broken. Must be
        cheap to call on every inbound STORE and every value read.
        """
        ...

    def better(self, a: RecordInfo, b: RecordInfo) -> bool:
        """True when ``a`` should replace ``b`` (same dht_key; for multi
        namespaces also the same signer). Deterministic: higher seq wins,
        then the namespace's tie-break."""
        ...

    def set_cap(self, namespace: str) -> int:
        """Most records kept per dht_key in a multi namespace (1 otherwise)."""
        ...
