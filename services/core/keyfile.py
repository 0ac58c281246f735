"""`python -m services.core.keyfile PATH`: make an Ed25519 key file if absent.

Writes PATH (the 32-byte seed in hex, mode 0600) and PATH.pub (the public
key in hex), and prints the public key. An existing key is kept, so running
it at every start is safe (docker-compose's init step does).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from services.core.records import keys


def ensure_key_file(path: Path) -> str:
    """Create ``path`` (0600) when absent; write ``path``.pub; return the public key hex."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        seed = keys.private_key_to_seed(keys.generate_private_key())
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(seed.hex() + "\n")
    seed = bytes.fromhex(path.read_text().strip())
    public = keys.public_key_bytes(keys.private_key_from_seed(seed)).hex()
    path.with_name(path.name + ".pub").write_text(public + "\n")
    return public


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m services.core.keyfile PATH", file=sys.stderr)
        return 2
    print(ensure_key_file(Path(argv[0])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
