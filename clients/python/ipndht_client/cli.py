"""``ipndht``: the command-line client of the three services.

    ipndht keygen
    ipndht handle register @alice.ipn
    ipndht content provide ./file.bin
    ipndht status

Global options come before the command (``ipndht --json handle resolve
@alice.ipn``). Each command lives in a ``cli_*`` module; this one holds the
group, the global options and the exit-code contract (``cli_errors``), and
turns every failure into one line on stderr, never a traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from ipndht_client.cli_content import content
from ipndht_client.cli_context import PASSPHRASE_ENV, State
from ipndht_client.cli_errors import EXIT_CODES_HELP, INTERRUPTED, CliFailure, failure_from
from ipndht_client.cli_handles import handle
from ipndht_client.cli_keys import keygen, pubkey
from ipndht_client.cli_peers import peers
from ipndht_client.cli_resources import resource
from ipndht_client.cli_status import status
from ipndht_client.config import (
    DEFAULT_TIMEOUT_S,
    ENV_CONTENT,
    ENV_DISCOVERY,
    ENV_HANDLES,
    Endpoints,
)
from ipndht_client.keys import KEY_FILE_ENV

#: Largest TCP port number.
MAX_PORT = 65_535


class IpndhtGroup(click.Group):
    """The top-level group: maps every error raised below it to an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:
            # The reader went away (``ipndht peers watch --json | head``):
            # nothing more to say, and nothing to say it to.
            _silence_stdout()
            raise click.exceptions.Exit(0) from None
        except KeyboardInterrupt:
            state = ctx.find_object(State)
            raise CliFailure(
                "interrupted", INTERRUPTED, as_json=bool(state and state.as_json)
            ) from None
        except Exception as exc:
            state = ctx.find_object(State)
            service = state.service if state else ""
            raise failure_from(
                exc,
                service=service or "ipndht",
                endpoint=state.endpoint(service) if state and service else "",
                timeout_s=state.timeout_s if state else DEFAULT_TIMEOUT_S,
                as_json=bool(state and state.as_json),
            ) from None


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # stdout has no file descriptor (tests): nothing will flush to it


def _endpoint(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """Check ``host:port`` early, so a typo is a usage error, not a timeout."""
    host, sep, port = value.rpartition(":")
    if not sep or not host or not (port.isascii() and port.isdigit()):
        raise click.BadParameter(f"{value!r} is not host:port")
    if not 1 <= int(port) <= MAX_PORT:
        raise click.BadParameter(f"port {port} is not in 1..{MAX_PORT}")
    return value


def _default_key_path() -> Path:
    return Path.home() / ".config" / "ipndht" / "key"


DEFAULTS = Endpoints()


@click.group(
    cls=IpndhtGroup,
    epilog=EXIT_CODES_HELP,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--discovery",
    envvar=ENV_DISCOVERY,
    default=DEFAULTS.discovery,
    show_default=True,
    callback=_endpoint,
    help=f"Discovery service host:port (env {ENV_DISCOVERY}).",
)
@click.option(
    "--handles",
    envvar=ENV_HANDLES,
    default=DEFAULTS.handles,
    show_default=True,
    callback=_endpoint,
    help=f"Handle-registry service host:port (env {ENV_HANDLES}).",
)
@click.option(
    "--content",
    envvar=ENV_CONTENT,
    default=DEFAULTS.content,
    show_default=True,
    callback=_endpoint,
    help=f"Content-routing service host:port (env {ENV_CONTENT}).",
)
@click.option(
    "--key",
    "key_path",
    envvar=KEY_FILE_ENV,
    type=click.Path(dir_okay=False, path_type=Path),
    default=_default_key_path,
    show_default="~/.config/ipndht/key",
    help=f"Ed25519 key file that signs writes (env {KEY_FILE_ENV}).",
)
@click.option(
    "--passphrase",
    envvar=PASSPHRASE_ENV,
    default=None,
    help=f"Passphrase of an encrypted key file (env {PASSPHRASE_ENV}); "
    "asked for on a terminal when needed.",
)
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_TIMEOUT_S,
    show_default=True,
    help="Deadline of each call, in seconds.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Machine-readable output: one JSON document per command on stdout "
    "(JSON lines for streams); errors as one JSON line on stderr.",
)
@click.version_option(package_name="ipndht", prog_name="ipndht")
@click.pass_context
def cli(
    ctx: click.Context,
    discovery: str,
    handles: str,
    content: str,
    key_path: Path,
    passphrase: str | None,
    timeout_s: float,
    as_json: bool,
) -> None:
    """Client of the ipndht services: handles, content routing and peers."""
    state = State(
        endpoints=Endpoints(discovery=discovery, handles=handles, content=content),
        key_path=key_path.expanduser(),
        passphrase=passphrase or None,
        timeout_s=timeout_s,
        as_json=as_json,
    )
    ctx.obj = state
    ctx.call_on_close(state.close)


cli.add_command(keygen)
cli.add_command(pubkey)
cli.add_command(handle)
cli.add_command(content)
cli.add_command(resource)
cli.add_command(peers)
cli.add_command(status)


def main() -> None:
    """Entry point of the ``ipndht`` script and ``python -m ipndht_client``."""
    cli(prog_name="ipndht")
