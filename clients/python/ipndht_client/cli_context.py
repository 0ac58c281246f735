"""The state every CLI command shares: endpoints, key file, output mode.

The top-level group builds one ``State`` from the global options; commands
take it with ``@pass_state``. The SDK client is made on first use and closed
when the command ends; the owner key is loaded only by commands that sign.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import click

from ipndht_client.cli_output import Output
from ipndht_client.cli_times import parse_duration, parse_time
from ipndht_client.client import Client
from ipndht_client.config import Endpoints
from ipndht_client.errors import KeyFileError
from ipndht_client.keys import Ed25519PrivateKey, is_encrypted, load_key

#: Names of the three services, as the global options and endpoints name them.
SERVICES = ("discovery", "handles", "content")

#: Environment variable for the passphrase of an encrypted key file.
PASSPHRASE_ENV = "IPNDHT_KEY_PASSPHRASE"


@dataclass
class State:
    """Everything the global options decide."""

    endpoints: Endpoints
    key_path: Path
    passphrase: str | None
    timeout_s: float
    as_json: bool
    #: The service the command talks to, named in error messages.
    service: str = ""
    output: Output = field(init=False)
    _client: Client | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.output = Output(self.as_json)

    def endpoint(self, service: str) -> str:
        return str(getattr(self.endpoints, service, ""))

    def client(self, service: str) -> Client:
        """The SDK client, noting ``service`` as the one being called."""
        self.service = service
        if self._client is None:
            self._client = Client(self.endpoints, timeout_s=self.timeout_s)
        return self._client

    def key(self) -> Ed25519PrivateKey:
        """The owner key from ``--key``; prompts for its passphrase when the
        file is encrypted, none was given and stdin is a terminal."""
        passphrase = self.passphrase
        if passphrase is None and is_encrypted(self.key_path):
            if not sys.stdin.isatty():
                raise KeyFileError(
                    f"key file {self.key_path} is encrypted: give --passphrase "
                    f"or set {PASSPHRASE_ENV}"
                )
            passphrase = click.prompt(f"Passphrase for {self.key_path}", hide_input=True, err=True)
        return load_key(self.key_path, passphrase=passphrase)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


#: Decorator giving a command the shared ``State`` as first argument.
pass_state = click.make_pass_decorator(State)


def split_pairs(values: tuple[str, ...], what: str) -> dict[str, str]:
    """``("a=1", "b=2")`` as a dict; a clear usage error for a missing "="."""
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint=what)
        out[name] = value
    return out


def duration_param(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    """Click callback: a duration option in whole seconds (None when not given)."""
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def time_param(ctx: click.Context, param: click.Parameter, value: str | None) -> int:
    """Click callback: a time option in microseconds since the epoch (0 when not given)."""
    if value is None:
        return 0
    try:
        return parse_time(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
