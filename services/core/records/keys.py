"""Ed25519 keys, signing and verification (RFC 8032, via ``cryptography``).

Keys travel as raw bytes: a private key as its 32-byte seed, a public key as
its 32-byte encoding. ``verify`` never raises; loaded public keys are cached
because verification runs on every STORE and every read.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from services.core.records.limits import (
    PUBLIC_KEY_BYTES,
    PUBLIC_KEY_CACHE_SIZE,
    SIGNATURE_BYTES,
    VERIFIED_CACHE_SIZE,
)

__all__ = [
    "Ed25519PrivateKey",
    "Ed25519PublicKey",
    "clear_caches",
    "generate_private_key",
    "load_public_key",
    "private_key_from_seed",
    "private_key_to_seed",
    "public_key_bytes",
    "sign",
    "verify",
]

_verified: OrderedDict[bytes, None] = OrderedDict()
_verified_lock = threading.Lock()


def generate_private_key() -> Ed25519PrivateKey:
    """A new random private key."""
    return Ed25519PrivateKey.generate()


def private_key_from_seed(seed: bytes) -> Ed25519PrivateKey:
    """The private key of a 32-byte seed; ``ValueError`` for any other length."""
    if not isinstance(seed, bytes) or len(seed) != PUBLIC_KEY_BYTES:
        raise ValueError(f"an Ed25519 private key seed is exactly {PUBLIC_KEY_BYTES} bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)


def private_key_to_seed(private_key: Ed25519PrivateKey) -> bytes:
    """The 32-byte seed of a private key (keep it secret)."""
    return private_key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )


def public_key_bytes(private_key: Ed25519PrivateKey) -> bytes:
    """The 32-byte public key of a private key."""
    return private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def sign(private_key: Ed25519PrivateKey, message: bytes) -> bytes:
    """The 64-byte Ed25519 signature of ``message`` (deterministic)."""
    return private_key.sign(message)


@lru_cache(maxsize=PUBLIC_KEY_CACHE_SIZE)
def load_public_key(raw: bytes) -> Ed25519PublicKey | None:
    """The public-key object for 32 raw bytes, or None when they are not a
    valid Ed25519 public key. Cached (LRU, keyed by the bytes)."""
    if len(raw) != PUBLIC_KEY_BYTES:
        return None
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        return None


def verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    """True when ``signature`` is a valid signature of ``message`` by
    ``public_key``; False for anything else, including malformed input.

    Successful verifications are remembered (LRU keyed by the SHA-256 of
    key, signature and message), so the same record read back from many
    holders is verified once.
    """
    if (
        not isinstance(public_key, bytes)
        or not isinstance(signature, bytes)
        or not isinstance(message, bytes)
        or len(public_key) != PUBLIC_KEY_BYTES
        or len(signature) != SIGNATURE_BYTES
    ):
        return False
    # Key and signature have fixed lengths, so the concatenation is unambiguous.
    fingerprint = hashlib.sha256(public_key + signature + message).digest()
    with _verified_lock:
        if fingerprint in _verified:
            _verified.move_to_end(fingerprint)
            return True
    key = load_public_key(public_key)
    if key is None:
        return False
    try:
        key.verify(signature, message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    with _verified_lock:
        _verified[fingerprint] = None
        if len(_verified) > VERIFIED_CACHE_SIZE:
            _verified.popitem(last=False)
    return True


def clear_caches() -> None:
    """Forget cached public keys and verifications (for tests and benchmarks)."""
    load_public_key.cache_clear()
    with _verified_lock:
        _verified.clear()
