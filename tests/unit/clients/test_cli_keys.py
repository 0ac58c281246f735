"""``ipndht keygen`` and ``ipndht pubkey``: key files made and read by the CLI."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from click.testing import CliRunner, Result

from ipndht_client.cli import cli
from ipndht_client.keys import is_encrypted, load_key, public_key_hex
from services.core.keyfile import load_or_create


def run(*argv: str, key: Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--key", str(key), *argv], env=env or {})


def test_keygen_writes_a_0600_seed_file_the_services_read_and_prints_its_key(
    tmp_path: Path,
) -> None:
    path = tmp_path / "conf" / "key"
    result = run("keygen", key=path)
    assert result.exit_code == 0, result.output
    public = result.stdout.strip()
    assert len(public) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert public_key_hex(load_or_create(path)) == public
    assert "unencrypted" in result.stderr


def test_keygen_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "key"
    first = run("keygen", key=path).stdout.strip()
    again = run("keygen", key=path)
    assert again.exit_code == 8
    assert "exists already; use --force" in again.stderr
    assert public_key_hex(load_key(path)) == first
    forced = run("keygen", "--force", key=path)
    assert forced.exit_code == 0
    assert forced.stdout.strip() != first
    assert public_key_hex(load_key(path)) == forced.stdout.strip()


def test_keygen_with_a_passphrase_encrypts_and_pubkey_needs_it(tmp_path: Path) -> None:
    path = tmp_path / "key"
    made = run("--json", "keygen", "--passphrase", "s3cret", key=path)
    assert made.exit_code == 0, made.output
    doc = json.loads(made.stdout)
    assert doc["encrypted"] is True
    assert is_encrypted(path)
    shown = run("--passphrase", "s3cret", "pubkey", key=path)
    assert shown.exit_code == 0
    assert shown.stdout.strip() == doc["public_key"]
    from_env = run("pubkey", key=path, env={"IPNDHT_KEY_PASSPHRASE": "s3cret"})
    assert from_env.stdout.strip() == doc["public_key"]


def test_a_wrong_or_missing_passphrase_exits_8_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "key"
    run("keygen", "--passphrase", "right", key=path)
    wrong = run("--passphrase", "wrong", "pubkey", key=path)
    assert wrong.exit_code == 8
    assert wrong.stderr.strip().startswith("ipndht: cannot decrypt key file")
    assert "wrong passphrase" in wrong.stderr
    assert "Traceback" not in wrong.output
    missing = run("pubkey", key=path)
    assert missing.exit_code == 8
    assert "is encrypted: give --passphrase or set IPNDHT_KEY_PASSPHRASE" in missing.stderr


def test_keygen_encrypt_off_a_terminal_needs_a_passphrase(tmp_path: Path) -> None:
    result = run("keygen", "--encrypt", key=tmp_path / "key")
    assert result.exit_code == 2
    assert "--encrypt needs --passphrase" in result.output
    assert not (tmp_path / "key").exists()


def test_a_missing_or_malformed_key_file_exits_8_naming_the_file(tmp_path: Path) -> None:
    missing = run("pubkey", key=tmp_path / "nope")
    assert missing.exit_code == 8
    assert f"{tmp_path / 'nope'} does not exist" in missing.stderr
    bad = tmp_path / "bad"
    bad.write_text("not a key\n")
    malformed = run("--json", "pubkey", key=bad)
    assert malformed.exit_code == 8
    body = json.loads(malformed.stderr)["error"]
    assert body["exit_code"] == 8
    assert "malformed" in body["message"]


def test_keygen_out_writes_elsewhere_than_the_key_option(tmp_path: Path) -> None:
    result = run("keygen", "--out", str(tmp_path / "other"), key=tmp_path / "key")
    assert result.exit_code == 0
    assert (tmp_path / "other").exists()
    assert not (tmp_path / "key").exists()
