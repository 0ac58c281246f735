"""The registrar key: read from a file, or generated and persisted at first start.

The file holds the 32-byte Ed25519 seed as 64 hex digits (a trailing newline
is allowed) and is created with mode 0600.
"""

from __future__ import annotations

import os
from pathlib import Path

from services.core.errors import FailedPrecondition
from services.core.records import keys
from services.core.records.keys import Ed25519PrivateKey
from services.core.records.limits import PUBLIC_KEY_BYTES


def load_or_create(path: Path) -> Ed25519PrivateKey:
    """The registrar key stored in ``path``; a new one written there when the
    file does not exist. FailedPrecondition when the file is not a seed."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return _create(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise FailedPrecondition(f"cannot read the registrar key file {path}: {exc}") from exc
    try:
        seed = bytes.fromhex(text)
    except ValueError:
        seed = b""
    if len(seed) != PUBLIC_KEY_BYTES:
        raise FailedPrecondition(
            f"the registrar key file {path} must hold {PUBLIC_KEY_BYTES * 2} hex digits "
            "(an Ed25519 seed)"
        )
    return keys.private_key_from_seed(seed)


def _create(path: Path) -> Ed25519PrivateKey:
    key = keys.generate_private_key()
    write_key(path, key)
    return key


def write_key(path: Path, key: Ed25519PrivateKey) -> None:
    """Write ``key``'s seed to ``path`` (mode 0600, atomically; fails if it exists)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(keys.private_key_to_seed(key).hex() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
