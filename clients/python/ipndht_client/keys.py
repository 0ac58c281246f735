"""Ed25519 key files for clients.

Two formats, told apart when loading:

- **hex seed** (no passphrase): the 32-byte seed as 64 hex digits and a
  newline, exactly the format of ``services/core/keyfile.py``, so the
  services' key files and the SDK's are interchangeable;
- **encrypted** (with a passphrase): PKCS#8 PEM with the best encryption
  ``cryptography`` offers (``-----BEGIN ENCRYPTED PRIVATE KEY-----``).

Files are written with mode 0600, created exclusively unless ``overwrite``
(then replaced atomically), and fsynced. Every failure to load is a
``KeyFileError`` naming the file and the problem.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from ipndht_client.errors import KeyFileError
from services.core import keyfile
from services.core.records import keys as record_keys
from services.core.records.keys import Ed25519PrivateKey

__all__ = [
    "DEFAULT_KEY_PATH",
    "Ed25519PrivateKey",
    "default_key_path",
    "generate_key",
    "is_encrypted",
    "load_key",
    "public_key_bytes",
    "public_key_hex",
    "save_key",
]

#: Environment variable naming the key file used when none is given.
KEY_FILE_ENV = "IPNDHT_KEY_FILE"
#: Seed length in bytes (Ed25519, RFC 8032).
SEED_BYTES = 32
#: A key file is a few hundred bytes; anything much larger is not one, and
#: reading it whole would be a waste.
MAX_KEY_FILE_BYTES = 16 * 1024
_PEM_PREFIX = b"-----BEGIN"
_ENCRYPTED_PEM_PREFIX = b"-----BEGIN ENCRYPTED PRIVATE KEY-----"


def default_key_path() -> Path:
    """``$IPNDHT_KEY_FILE`` when set, else ``~/.config/ipndht/key``."""
    override = os.environ.get(KEY_FILE_ENV)
    if override:
        return Path(override).expanduser()
    return Path.home() / ".config" / "ipndht" / "key"


#: The key file used when none is given (read once, at import).
DEFAULT_KEY_PATH: Path = default_key_path()


def generate_key() -> Ed25519PrivateKey:
    """A new random Ed25519 private key."""
    return record_keys.generate_private_key()


def public_key_bytes(key: Ed25519PrivateKey) -> bytes:
    """The 32-byte public key of ``key``."""
    return record_keys.public_key_bytes(key)


def public_key_hex(key: Ed25519PrivateKey) -> str:
    """The public key of ``key`` as 64 lower-case hex digits."""
    return public_key_bytes(key).hex()


def _encode(key: Ed25519PrivateKey, passphrase: str | None) -> bytes:
    if passphrase is None:
        return keyfile.seed_text(key).encode("ascii")
    if not passphrase:
        raise ValueError("a passphrase must not be empty (give None for an unencrypted key)")
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
    )


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save_key(
    key: Ed25519PrivateKey,
    path: str | Path,
    *,
    passphrase: str | None = None,
    overwrite: bool = False,
) -> None:
    """Write ``key`` to ``path`` (mode 0600, fsynced): the hex-seed format,
    or encrypted PKCS#8 PEM with ``passphrase``. ``FileExistsError`` when
    the file exists and ``overwrite`` is false; with ``overwrite`` the file
    is replaced atomically."""
    target = Path(path).expanduser()
    data = _encode(key, passphrase)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not overwrite:
        keyfile.write_private(target, data)
        _fsync_dir(target.parent)
        return
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    try:
        keyfile.write_private(temporary, data)
        os.replace(temporary, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    _fsync_dir(target.parent)


def _read(path: Path) -> bytes:
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_KEY_FILE_BYTES + 1)
    except FileNotFoundError:
        raise KeyFileError(f"key file {path} does not exist") from None
    except IsADirectoryError:
        raise KeyFileError(f"key file {path} is a directory") from None
    except OSError as exc:
        raise KeyFileError(f"cannot read key file {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_KEY_FILE_BYTES:
        raise KeyFileError(f"key file {path} is too large to be a key file")
    return data


def is_encrypted(path: str | Path) -> bool:
    """Whether the key file at ``path`` needs a passphrase (``KeyFileError``
    when it cannot be read)."""
    return _read(Path(path).expanduser()).lstrip().startswith(_ENCRYPTED_PEM_PREFIX)


def _load_pem(path: Path, data: bytes, passphrase: str | None) -> Ed25519PrivateKey:
    encrypted = data.lstrip().startswith(_ENCRYPTED_PEM_PREFIX)
    if encrypted and passphrase is None:
        raise KeyFileError(f"key file {path} is encrypted: a passphrase is needed")
    password = passphrase.encode("utf-8") if encrypted and passphrase is not None else None
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except (ValueError, TypeError) as exc:
        if encrypted:
            raise KeyFileError(
                f"cannot decrypt key file {path}: wrong passphrase or damaged file"
            ) from exc
        raise KeyFileError(f"key file {path} is not a valid PEM private key") from exc
    except Exception as exc:  # cryptography raises its own types for odd input
        raise KeyFileError(f"key file {path} is not a valid PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"key file {path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def load_key(path: str | Path, *, passphrase: str | None = None) -> Ed25519PrivateKey:
    """The Ed25519 key in ``path``, in either format (a passphrase given for
    an unencrypted file is not needed and is ignored)."""
    target = Path(path).expanduser()
    data = _read(target)
    if data.lstrip().startswith(_PEM_PREFIX):
        return _load_pem(target, data, passphrase)
    key = keyfile.parse_seed(data.decode("ascii", errors="replace"))
    if key is None:
        raise KeyFileError(
            f"key file {target} is malformed: expected {SEED_BYTES * 2} hex digits "
            "(an Ed25519 seed) or an encrypted PEM key"
        )
    return key
