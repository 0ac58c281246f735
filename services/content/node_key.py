"""The content service's own Ed25519 key, which signs its index records.

Kept as the 32-byte seed in ``<data_dir>/index-key.seed`` (mode 0600) so a
restart signs with the same key and keeps extending its own index pages.
"""

from __future__ import annotations

import os
from pathlib import Path

from services.core.records import keys

FILE_NAME = "index-key.seed"


def load_or_create(data_dir: Path) -> keys.Ed25519PrivateKey:
    """The key stored in ``data_dir``, created (0600) on first use."""
    path = data_dir / FILE_NAME
    if path.exists():
        return keys.private_key_from_seed(path.read_bytes())
    key = keys.generate_private_key()
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, keys.private_key_to_seed(key))
    finally:
        os.close(fd)
    tmp.replace(path)
    return key
