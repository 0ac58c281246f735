"""Self-describing content hashes: validation and the provider record key.

A content hash names its algorithm and digest (``ContentHash``). Its
provider key is one algorithm byte then the digest (docs/records.md), which
is also the ``provider`` record key.
"""

from __future__ import annotations

from ipndht.v1 import common_pb2
from services.core.errors import InvalidArgument

#: Digest length of every supported algorithm (both are 32-byte digests).
DIGEST_BYTES: dict[int, int] = {
    common_pb2.HASH_ALGORITHM_SHA2_256: 32,
    common_pb2.HASH_ALGORITHM_BLAKE3: 32,
}
NAMES: dict[int, str] = {
    common_pb2.HASH_ALGORITHM_SHA2_256: "sha2-256",
    common_pb2.HASH_ALGORITHM_BLAKE3: "blake3",
}


def check(content: common_pb2.ContentHash) -> bytes:
    """The provider key of ``content``; InvalidArgument says what is wrong."""
    expected = DIGEST_BYTES.get(content.algorithm)
    if expected is None:
        raise InvalidArgument(
            f"unsupported hash algorithm {content.algorithm}: use "
            "HASH_ALGORITHM_SHA2_256 (1) or HASH_ALGORITHM_BLAKE3 (2)"
        )
    if len(content.digest) != expected:
        raise InvalidArgument(
            f"a {NAMES[content.algorithm]} digest is {expected} bytes, got {len(content.digest)}"
        )
    return bytes([content.algorithm]) + content.digest


def from_key(key: bytes) -> common_pb2.ContentHash:
    """The content hash of a provider key (algorithm byte then digest)."""
    if len(key) < 1:
        raise InvalidArgument("a content key is an algorithm byte then a digest")
    content = common_pb2.ContentHash(algorithm=key[0], digest=key[1:])  # type: ignore[arg-type]
    check(content)
    return content
