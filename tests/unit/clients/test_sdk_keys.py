"""SDK key files: 0600, exclusive, passphrase-encrypted or the services' hex-seed format."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ipndht_client import KeyFileError, generate_key, load_key, save_key
from ipndht_client import keys as sdk_keys
from services.core import keyfile


def _same(a: sdk_keys.Ed25519PrivateKey, b: sdk_keys.Ed25519PrivateKey) -> bool:
    return sdk_keys.public_key_bytes(a) == sdk_keys.public_key_bytes(b)


def keyfile_text(key: sdk_keys.Ed25519PrivateKey) -> str:
    """What services/core/keyfile.py writes for ``key``."""
    return key.private_bytes_raw().hex() + "\n"


def test_saved_key_is_mode_0600_and_loads_back(tmp_path: Path) -> None:
    """save_key writes a 0600 file (creating parent folders) that load_key reads back."""
    key = generate_key()
    path = tmp_path / "deep" / "dir" / "key"
    save_key(key, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _same(load_key(path), key)
    assert not sdk_keys.is_encrypted(path)
    assert sorted(p.name for p in path.parent.iterdir()) == ["key"]


def test_a_services_key_file_loads_with_load_key(tmp_path: Path) -> None:
    """A key written by services/core/keyfile.write_key loads with load_key."""
    key = generate_key()
    path = tmp_path / "registrar.key"
    keyfile.write_key(path, key)
    assert _same(load_key(path), key)


def test_an_sdk_key_file_loads_with_the_services_keyfile(tmp_path: Path) -> None:
    """A key written by save_key (no passphrase) loads with keyfile.load_or_create."""
    key = generate_key()
    path = tmp_path / "key"
    save_key(key, path)
    assert _same(keyfile.load_or_create(path), key)
    assert path.read_text() == keyfile_text(key)


def test_save_refuses_an_existing_file_unless_overwrite(tmp_path: Path) -> None:
    """save_key never replaces a key silently; overwrite=True replaces it atomically."""
    path = tmp_path / "key"
    first, second = generate_key(), generate_key()
    save_key(first, path)
    with pytest.raises(FileExistsError):
        save_key(second, path)
    assert _same(load_key(path), first)
    save_key(second, path, overwrite=True)
    assert _same(load_key(path), second)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["key"]


def test_encrypted_key_needs_its_passphrase(tmp_path: Path) -> None:
    """With a passphrase the file is encrypted PEM; loading needs the right passphrase."""
    key = generate_key()
    path = tmp_path / "key.pem"
    save_key(key, path, passphrase="correct horse")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sdk_keys.is_encrypted(path)
    assert key.private_bytes_raw().hex() not in path.read_text()
    assert _same(load_key(path, passphrase="correct horse"), key)
    with pytest.raises(KeyFileError, match=r"key\.pem is encrypted: a passphrase is needed"):
        load_key(path)
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        load_key(path, passphrase="wrong")


def test_empty_passphrase_is_refused(tmp_path: Path) -> None:
    """An empty passphrase is a mistake, not 'no encryption'."""
    with pytest.raises(ValueError, match="must not be empty"):
        save_key(generate_key(), tmp_path / "key", passphrase="")
    assert not (tmp_path / "key").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "malformed"),
        (b"zz" * 32, "malformed"),
        (b"ab" * 31, "malformed"),
        (b"\xff\xfe binary", "malformed"),
        (
            b"-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n",
            "not a valid PEM",
        ),
        (b"1" * (sdk_keys.MAX_KEY_FILE_BYTES + 1), "too large"),
    ],
)
def test_malformed_key_files_raise_key_file_error(
    tmp_path: Path, content: bytes, message: str
) -> None:
    """Every malformed key file gives a KeyFileError naming the file, never a traceback."""
    path = tmp_path / "bad.key"
    path.write_bytes(content)
    with pytest.raises(KeyFileError, match=message) as info:
        load_key(path)
    assert str(path) in str(info.value)


def test_missing_file_and_directory_raise_key_file_error(tmp_path: Path) -> None:
    """A missing file or a directory is a KeyFileError saying so."""
    with pytest.raises(KeyFileError, match="does not exist"):
        load_key(tmp_path / "absent")
    with pytest.raises(KeyFileError, match="is a directory"):
        load_key(tmp_path)
    with pytest.raises(KeyFileError, match="does not exist"):
        sdk_keys.is_encrypted(tmp_path / "absent")


def test_non_ed25519_pem_is_refused(tmp_path: Path) -> None:
    """A PEM key of another type is named as such."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    other = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path / "ec.pem"
    path.write_bytes(
        other.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(KeyFileError, match="not an Ed25519 key"):
        load_key(path)


def test_unencrypted_pem_loads_and_passphrase_is_ignored_for_plain_keys(tmp_path: Path) -> None:
    """An unencrypted PKCS#8 PEM Ed25519 key loads; a passphrase given for a plain key is unused."""
    from cryptography.hazmat.primitives import serialization

    key = generate_key()
    pem = tmp_path / "plain.pem"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    assert _same(load_key(pem), key)
    seed_file = tmp_path / "seed"
    save_key(key, seed_file)
    assert _same(load_key(seed_file, passphrase="unused"), key)


def test_default_key_path_honours_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """IPNDHT_KEY_FILE overrides ~/.config/ipndht/key."""
    monkeypatch.setenv("IPNDHT_KEY_FILE", "/tmp/elsewhere/key")
    assert sdk_keys.default_key_path() == Path("/tmp/elsewhere/key")
    monkeypatch.delenv("IPNDHT_KEY_FILE")
    assert sdk_keys.default_key_path() == Path.home() / ".config" / "ipndht" / "key"


def test_public_key_hex_is_the_public_key_bytes() -> None:
    """public_key_hex is 64 lower-case hex digits of public_key_bytes."""
    key = generate_key()
    assert sdk_keys.public_key_hex(key) == sdk_keys.public_key_bytes(key).hex()
    assert len(sdk_keys.public_key_hex(key)) == 64
