"""Ed25519 keys kept in files: the one format and the one place that writes them.

A key file holds the 32-byte seed as 64 hex digits (a trailing newline is
allowed) and is created with mode 0600, exclusively and fsynced. The
registrar key, content routing's index key and docker-compose's init step
all use it, and the Python SDK (``ipndht_client.keys``) writes and reads
its unencrypted key files through ``seed_text``, ``parse_seed`` and
``write_private``.

``python -m services.core.keyfile PATH`` makes PATH if absent, writes
PATH.pub (the public key in hex) and prints the public key; an existing key
is kept, so running it at every start is safe.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from services.core.errors import FailedPrecondition
from services.core.records import keys
from services.core.records.keys import Ed25519PrivateKey
from services.core.records.limits import PUBLIC_KEY_BYTES


def seed_text(key: Ed25519PrivateKey) -> str:
    """The file contents for ``key``: its seed as 64 hex digits and a newline."""
    return keys.private_key_to_seed(key).hex() + "\n"


def parse_seed(text: str) -> Ed25519PrivateKey | None:
    """The key whose seed ``text`` holds (surrounding white space allowed);
    None when it is not exactly 64 hex digits."""
    try:
        seed = bytes.fromhex(text.strip()) if text.strip().isascii() else b""
    except ValueError:
        seed = b""
    return keys.private_key_from_seed(seed) if len(seed) == PUBLIC_KEY_BYTES else None


def write_private(path: Path, data: bytes) -> None:
    """Create ``path`` with ``data``: mode 0600, exclusively (fails if it
    exists), fsynced. Key files of every format are written through here."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def write_key(path: Path, key: Ed25519PrivateKey) -> None:
    """Write ``key``'s seed to ``path`` (mode 0600; fails if it exists)."""
    write_private(path, seed_text(key).encode("ascii"))


def load_or_create(path: Path) -> Ed25519PrivateKey:
    """The key stored in ``path``; a new one written there when the file does
    not exist. FailedPrecondition (naming the file) when it is not a seed."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        key = keys.generate_private_key()
        write_key(path, key)
        return key
    except (OSError, UnicodeDecodeError) as exc:
        raise FailedPrecondition(f"cannot read the key file {path}: {exc}") from exc
    stored = parse_seed(text)
    if stored is None:
        raise FailedPrecondition(
            f"the key file {path} must hold {PUBLIC_KEY_BYTES * 2} hex digits (an Ed25519 seed)"
        )
    return stored


def ensure_key_file(path: Path) -> str:
    """``load_or_create(path)``, then write ``path``.pub; the public key in hex."""
    public = keys.public_key_bytes(load_or_create(path)).hex()
    path.with_name(path.name + ".pub").write_text(public + "\n")
    return public


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m services.core.keyfile PATH", file=sys.stderr)
        return 2
    try:
        print(ensure_key_file(Path(argv[0])))
    except FailedPrecondition as exc:
        print(f"ipndht: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
