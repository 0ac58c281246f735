"""``ipndht keygen`` and ``ipndht pubkey``: the owner key file.

Without a passphrase the key file is the services' hex-seed format; with one
it is encrypted PKCS#8 PEM (``ipndht_client.keys``). The public key goes to
stdout alone, so ``PUB=$(ipndht keygen)`` works; notes go to stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ipndht_client.cli_context import State, pass_state
from ipndht_client.errors import KeyFileError
from ipndht_client.keys import generate_key, is_encrypted, public_key_hex, save_key


def _passphrase(state: State, given: str | None, encrypt: bool) -> str | None:
    chosen = given if given is not None else state.passphrase
    if chosen is not None:
        if not chosen:
            raise click.BadParameter("must not be empty", param_hint="--passphrase")
        return chosen
    if not encrypt:
        return None
    if not sys.stdin.isatty():
        raise click.UsageError(
            "--encrypt needs --passphrase (or IPNDHT_KEY_PASSPHRASE) off a terminal"
        )
    text: str = click.prompt("New passphrase", hide_input=True, confirmation_prompt=True, err=True)
    if not text:
        raise click.BadParameter("must not be empty", param_hint="passphrase")
    return text


@click.command()
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the key here instead of the --key file.",
)
@click.option("--force", is_flag=True, help="Replace an existing key file.")
@click.option("--encrypt", is_flag=True, help="Encrypt the key; the passphrase is asked for twice.")
@click.option(
    "--passphrase",
    default=None,
    help="Encrypt the key with this passphrase (default: the global --passphrase).",
)
@pass_state
def keygen(
    state: State, out: Path | None, force: bool, encrypt: bool, passphrase: str | None
) -> None:
    """Write a new key file and print its public key.

    The key file is Ed25519, mode 0600; it is encrypted with --encrypt or a
    passphrase."""
    path = (out or state.key_path).expanduser()
    if path.exists() and not force:
        raise KeyFileError(f"key file {path} exists already; use --force to replace it")
    secret = _passphrase(state, passphrase, encrypt)
    key = generate_key()
    try:
        save_key(key, path, passphrase=secret, overwrite=force)
    except FileExistsError:
        raise KeyFileError(f"key file {path} exists already; use --force to replace it") from None
    except OSError as exc:
        raise KeyFileError(f"cannot write key file {path}: {exc.strerror or exc}") from None
    public = public_key_hex(key)
    if state.as_json:
        state.output.document(
            {"path": str(path), "public_key": public, "encrypted": secret is not None}
        )
        return
    kind = "encrypted" if secret is not None else "unencrypted"
    click.echo(f"wrote a new {kind} key to {path} (mode 0600)", err=True)
    click.echo(public)


@click.command()
@pass_state
def pubkey(state: State) -> None:
    """Print the public key of the --key file."""
    key = state.key()
    public = public_key_hex(key)
    if state.as_json:
        state.output.document(
            {
                "path": str(state.key_path),
                "public_key": public,
                "encrypted": is_encrypted(state.key_path),
            }
        )
        return
    click.echo(public)
