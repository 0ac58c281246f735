"""Exit codes of the ``ipndht`` CLI and the one-line messages of failures.

Every failure leaves through ``CliFailure`` (a ``click.ClickException``), so
click prints it with ``show`` and exits with its code, whether the CLI runs
as a program or under click's test runner. A script can branch on the exit
code without parsing text.
"""

from __future__ import annotations

import json
import sys
from typing import IO, Any

import click
import grpc

from ipndht_client.errors import IpndhtError, KeyFileError

OK = 0
#: An unexpected fault (INTERNAL, UNKNOWN, or a bug in the CLI).
UNEXPECTED = 1
#: click's own code for a bad command line; also used for bad input files.
USAGE = 2
INVALID_ARGUMENT = 3
NOT_FOUND = 4
#: ALREADY_EXISTS and ABORTED: someone else holds it, or a seq conflict.
CONFLICT = 5
#: PERMISSION_DENIED and FAILED_PRECONDITION: not yours, or not now.
DENIED = 6
#: UNAVAILABLE and DEADLINE_EXCEEDED: down, too few peers, or too slow.
UNAVAILABLE = 7
KEY_FILE = 8
#: RESOURCE_EXHAUSTED: a quota, rate limit or store capacity is used up.
EXHAUSTED = 9
#: Interrupted with Ctrl-C (128 + SIGINT, the shell convention).
INTERRUPTED = 130

EXIT_BY_STATUS: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.INVALID_ARGUMENT: INVALID_ARGUMENT,
    grpc.StatusCode.OUT_OF_RANGE: INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND: NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS: CONFLICT,
    grpc.StatusCode.ABORTED: CONFLICT,
    grpc.StatusCode.PERMISSION_DENIED: DENIED,
    grpc.StatusCode.UNAUTHENTICATED: DENIED,
    grpc.StatusCode.FAILED_PRECONDITION: DENIED,
    grpc.StatusCode.UNAVAILABLE: UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED: UNAVAILABLE,
    grpc.StatusCode.RESOURCE_EXHAUSTED: EXHAUSTED,
}

#: The table printed in ``ipndht --help`` and docs/cli.md.
EXIT_CODES_HELP = """\b
Exit codes:
  0    success
  1    unexpected error (INTERNAL, UNKNOWN, a fault in the CLI)
  2    bad command line or local input (click's usage errors, unreadable file)
  3    the service refused the input (INVALID_ARGUMENT)
  4    not found (NOT_FOUND)
  5    conflict: already exists or seq conflict (ALREADY_EXISTS, ABORTED)
  6    not allowed: not the owner, or not now (PERMISSION_DENIED,
       FAILED_PRECONDITION)
  7    service unavailable or too slow (UNAVAILABLE, DEADLINE_EXCEEDED)
  8    key file missing, unreadable, malformed, or wrong passphrase
  9    quota or capacity used up (RESOURCE_EXHAUSTED)
  130  interrupted (Ctrl-C)"""


def exit_code_for(error: BaseException) -> int:
    """The exit code of a failure."""
    if isinstance(error, IpndhtError):
        return EXIT_BY_STATUS.get(error.code, UNEXPECTED)
    if isinstance(error, KeyFileError):
        return KEY_FILE
    if isinstance(error, click.ClickException):
        return error.exit_code
    return UNEXPECTED


class CliFailure(click.ClickException):
    """A failure to report in one line on stderr (JSON with ``--json``)."""

    def __init__(
        self, message: str, exit_code: int, *, as_json: bool, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        # click declares exit_code on the class; each failure carries its own.
        self.exit_code = exit_code  # type: ignore[misc]
        self.as_json = as_json
        self.details = details or {}

    def show(self, file: IO[Any] | None = None) -> None:
        stream = file if file is not None else sys.stderr
        if self.as_json:
            body = {"error": {"message": self.message, "exit_code": self.exit_code, **self.details}}
            click.echo(json.dumps(body, sort_keys=True), file=stream)
        else:
            click.echo(f"ipndht: {self.message}", file=stream)


#: Words of gRPC's own message when no connection could be made at all.
_UNREACHABLE_WORDS = ("failed to connect", "connection refused", "dns resolution failed")


def describe_rpc_error(error: IpndhtError, *, service: str, endpoint: str, timeout_s: float) -> str:
    """One readable line: who answered what, and what to try."""
    if error.request_id is None:
        # Raised by the SDK before any call: the input itself is bad.
        return f"{error.code.name}: {error.message}"
    where = f"{service} at {endpoint}" if endpoint else service
    text = f"{where}: {error.code.name}: {error.message}"
    if error.code == grpc.StatusCode.UNAVAILABLE and any(
        word in error.message.lower() for word in _UNREACHABLE_WORDS
    ):
        text = f"{where} is unreachable (is it running? set --{service} or IPNDHT_"
        text += f"{service.upper()}_ENDPOINT): {error.message}"
    elif error.code == grpc.StatusCode.DEADLINE_EXCEEDED:
        text += f" (no answer within {timeout_s:g} s; try a longer --timeout)"
    if EXIT_BY_STATUS.get(error.code) is None:
        text += f" [request id {error.request_id}]"
    return text


def failure_from(
    error: BaseException, *, service: str, endpoint: str, timeout_s: float, as_json: bool
) -> CliFailure:
    """The ``CliFailure`` to raise for ``error``."""
    code = exit_code_for(error)
    if isinstance(error, IpndhtError):
        details: dict[str, Any] = {"status": error.code.name, "server_message": error.message}
        if error.request_id:
            details["request_id"] = error.request_id
        if error.current_seq is not None:
            details["current_seq"] = error.current_seq
        message = describe_rpc_error(error, service=service, endpoint=endpoint, timeout_s=timeout_s)
        return CliFailure(message, code, as_json=as_json, details=details)
    if isinstance(error, KeyFileError):
        return CliFailure(str(error), code, as_json=as_json, details={"kind": "key_file"})
    text = str(error) or type(error).__name__
    return CliFailure(
        f"unexpected error: {type(error).__name__}: {text}",
        code,
        as_json=as_json,
        details={"kind": type(error).__name__},
    )
