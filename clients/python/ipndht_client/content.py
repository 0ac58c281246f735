"""Content routing helpers: hash files in a streaming way, and build the
signed records that Provide, StopProviding and AnnounceResource take.

A provider record is namespace "provider", key one algorithm byte then the
digest, value a ``ProviderRecord``, signed by the provider key. The helpers
fill in the announcement's HashTimer (docs/content.md), which the service
recomputes and checks.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import BinaryIO

import blake3

from ipndht.v1 import common_pb2, content_pb2
from services.content.announce import timer_of_fields
from services.core.records import keys, signing
from services.core.records.keys import Ed25519PrivateKey

#: Bytes read per step while hashing: large enough for throughput, small
#: enough that a huge file never sits in memory.
CHUNK_BYTES = 1 << 20
#: Default provider record lifetime, as the service's default (48 h).
DEFAULT_TTL_S = 48 * 3600

SHA2_256 = common_pb2.HASH_ALGORITHM_SHA2_256
BLAKE3 = common_pb2.HASH_ALGORITHM_BLAKE3
#: Text names of the algorithms, as ``format_content_hash`` writes them.
ALGORITHM_NAMES = {BLAKE3: "blake3", SHA2_256: "sha2-256"}
#: Digest length of both algorithms, in bytes.
DIGEST_BYTES = 32

#: ``progress(bytes_done, total)`` called while hashing.
Progress = Callable[[int, int], None]


def now_us() -> int:
    return time.time_ns() // 1_000


def hash_stream(
    stream: BinaryIO,
    algorithm: int = BLAKE3,
    *,
    progress: Progress | None = None,
    total: int = 0,
) -> common_pb2.ContentHash:
    """The content hash of everything left in ``stream``, read in chunks;
    ``progress(bytes_done, total)`` after each chunk when given."""
    if algorithm == SHA2_256:
        hasher: hashlib._Hash | blake3.blake3 = hashlib.sha256()
    elif algorithm == BLAKE3:
        hasher = blake3.blake3()
    else:
        raise ValueError(f"unsupported hash algorithm {algorithm}: use SHA2_256 or BLAKE3")
    done = 0
    while chunk := stream.read(CHUNK_BYTES):
        hasher.update(chunk)
        done += len(chunk)
        if progress is not None:
            progress(done, max(total, done))
    return common_pb2.ContentHash(algorithm=algorithm, digest=hasher.digest())  # type: ignore[arg-type]


def hash_file(
    path: str | Path, algorithm: int = BLAKE3, *, progress: Progress | None = None
) -> tuple[common_pb2.ContentHash, int]:
    """The content hash and size of the file at ``path``;
    ``progress(bytes_done, total)`` while hashing when given."""
    with open(path, "rb") as stream:
        total = os.fstat(stream.fileno()).st_size
        if progress is not None:
            progress(0, total)
        content = hash_stream(stream, algorithm, progress=progress, total=total)
        return content, stream.tell()


def format_content_hash(content: common_pb2.ContentHash) -> str:
    """``"blake3:<hex>"`` or ``"sha2-256:<hex>"``; the inverse of
    ``parse_content_hash``."""
    name = ALGORITHM_NAMES.get(content.algorithm)
    if name is None:
        raise ValueError(f"unknown hash algorithm {content.algorithm}")
    return f"{name}:{content.digest.hex()}"


def parse_content_hash(text: str) -> common_pb2.ContentHash:
    """The ContentHash written as ``"blake3:<hex>"``, ``"sha2-256:<hex>"``
    or bare 64 hex digits (BLAKE3). ``ValueError`` saying what is wrong."""
    name, sep, digest_hex = text.strip().rpartition(":")
    if not sep:
        name = "blake3"
    by_name = {v: k for k, v in ALGORITHM_NAMES.items()}
    algorithm = by_name.get(name.lower())
    if algorithm is None:
        raise ValueError(
            f"unknown hash algorithm {name!r} in {text!r}: use blake3:<hex> or sha2-256:<hex>"
        )
    digest = b""
    if digest_hex.isascii() and len(digest_hex) == DIGEST_BYTES * 2:
        try:
            digest = bytes.fromhex(digest_hex)
        except ValueError:
            digest = b""
    if len(digest) != DIGEST_BYTES:
        raise ValueError(
            f"bad content hash {text!r}: the digest must be {DIGEST_BYTES * 2} hex digits"
        )
    return common_pb2.ContentHash(algorithm=algorithm, digest=digest)


def content_key(content: common_pb2.ContentHash) -> bytes:
    return bytes([content.algorithm]) + content.digest


def provider_record(
    private_key: Ed25519PrivateKey,
    content: common_pb2.ContentHash,
    addresses: Iterable[str] = (),
    *,
    seq: int = 1,
    handle: str = "",
    size_bytes: int = 0,
    withdrawn: bool = False,
    ttl_s: int = DEFAULT_TTL_S,
    issued_at_us: int | None = None,
) -> common_pb2.SignedRecord:
    """The signed provider record announcing (or withdrawing) ``content``."""
    issued = now_us() if issued_at_us is None else issued_at_us
    key = content_key(content)
    signer = keys.public_key_bytes(private_key)
    timer = timer_of_fields("provider", signer, key, seq, issued)
    payload = common_pb2.ProviderRecord(
        content=content,
        addresses=list(addresses),
        handle=handle,
        hash_timer=common_pb2.HashTimer(hex=timer.hex, time_us=timer.time_us),
        size_bytes=size_bytes,
        withdrawn=withdrawn,
    )
    record = signing.sign_record(
        private_key,
        "provider",
        key,
        payload.SerializeToString(deterministic=True),
        seq,
        issued,
        issued + ttl_s * 1_000_000,
    )
    return record.to_proto()


def withdrawal(
    private_key: Ed25519PrivateKey, content: common_pb2.ContentHash, *, seq: int
) -> common_pb2.SignedRecord:
    """The signed withdrawal of ``content`` (StopProviding); ``seq`` above
    the announcement's."""
    return provider_record(private_key, content, seq=seq, withdrawn=True)


def provide_file(
    private_key: Ed25519PrivateKey,
    path: str | Path,
    addresses: Iterable[str],
    *,
    algorithm: int = BLAKE3,
    seq: int = 1,
    handle: str = "",
    ttl_s: int = DEFAULT_TTL_S,
) -> content_pb2.ProvideRequest:
    """Hash the file at ``path`` and return the ProvideRequest announcing it."""
    content, size = hash_file(path, algorithm)
    record = provider_record(
        private_key, content, addresses, seq=seq, handle=handle, size_bytes=size, ttl_s=ttl_s
    )
    return content_pb2.ProvideRequest(record=record)


def resource_record(
    private_key: Ed25519PrivateKey,
    type_: str,
    id_: str,
    data: bytes = b"",
    attributes: Mapping[str, str] | None = None,
    *,
    seq: int = 1,
    ttl_s: int = 3600,
    issued_at_us: int | None = None,
) -> common_pb2.SignedRecord:
    """The signed resource record for AnnounceResource."""
    issued = now_us() if issued_at_us is None else issued_at_us
    payload = content_pb2.ResourceRecord(
        type=type_, id=id_, data=data, attributes=dict(attributes or {})
    )
    record = signing.sign_record(
        private_key,
        "resource",
        f"{type_}/{id_}".encode(),
        payload.SerializeToString(deterministic=True),
        seq,
        issued,
        issued + ttl_s * 1_000_000,
    )
    return record.to_proto()
