"""The CLI's exit-code contract: one code per error class, documented in
``ipndht --help`` and docs/cli.md, and one readable line per failure."""

from __future__ import annotations

import json
import re

import click
import grpc
import pytest
from click.testing import CliRunner

from ipndht_client import cli_errors as ce
from ipndht_client import errors as e
from ipndht_client.cli import cli
from tests.support.services import REPO

CASES = [
    (e.InvalidArgument("bad"), 3),
    (e.NotFound("gone"), 4),
    (e.AlreadyExists("held"), 5),
    (e.Aborted("seq"), 5),
    (e.PermissionDenied("not yours"), 6),
    (e.FailedPrecondition("expired"), 6),
    (e.Unavailable("down"), 7),
    (e.DeadlineExceeded("slow"), 7),
    (e.ResourceExhausted("full"), 9),
    (e.Internal("boom"), 1),
    (e.Internal("odd", code=grpc.StatusCode.UNKNOWN), 1),
    (e.Internal("nope", code=grpc.StatusCode.UNIMPLEMENTED), 1),
    (e.KeyFileError("key file k does not exist"), 8),
    (RuntimeError("bug"), 1),
]


@pytest.mark.parametrize(("error", "code"), CASES)
def test_each_error_class_has_its_exit_code(error: Exception, code: int) -> None:
    assert ce.exit_code_for(error) == code
    failure = ce.failure_from(error, service="handles", endpoint="h:1", timeout_s=5, as_json=False)
    assert failure.exit_code == code


def test_click_usage_errors_keep_clicks_code_2() -> None:
    assert ce.exit_code_for(click.UsageError("no")) == ce.USAGE == 2


def test_a_server_error_names_service_endpoint_and_status() -> None:
    error = e.NotFound("@x.ipn is not registered", request_id="r1")
    text = ce.describe_rpc_error(error, service="handles", endpoint="h:1", timeout_s=5)
    assert text == "handles at h:1: NOT_FOUND: @x.ipn is not registered"


def test_an_unreachable_service_gets_a_hint_and_internal_errors_a_request_id() -> None:
    down = e.Unavailable("failed to connect to all addresses; Connection refused", request_id="r")
    text = ce.describe_rpc_error(down, service="content", endpoint="c:1", timeout_s=5)
    assert "content at c:1 is unreachable (is it running?" in text
    assert "IPNDHT_CONTENT_ENDPOINT" in text
    busy = e.Unavailable("not enough DHT peers: 0 live, 2 needed", request_id="r")
    assert "is it running" not in ce.describe_rpc_error(
        busy, service="content", endpoint="c:1", timeout_s=5
    )
    slow = e.DeadlineExceeded("deadline exceeded", request_id="r")
    assert "try a longer --timeout" in ce.describe_rpc_error(
        slow, service="content", endpoint="c:1", timeout_s=2.5
    )
    internal = e.Internal("internal error", request_id="abc123")
    assert "[request id abc123]" in ce.describe_rpc_error(
        internal, service="content", endpoint="c:1", timeout_s=5
    )


def test_an_error_raised_before_any_call_names_no_service() -> None:
    local = e.InvalidArgument("'@Ad' is not of the form @label.ipn (rule: form)")
    text = ce.describe_rpc_error(local, service="handles", endpoint="h:1", timeout_s=5)
    assert text == "INVALID_ARGUMENT: '@Ad' is not of the form @label.ipn (rule: form)"


def test_json_failures_are_one_json_line_with_status_and_request_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    error = e.Aborted("seq 3 is not current + 1", request_id="rid", current_seq=4)
    failure = ce.failure_from(error, service="handles", endpoint="h:1", timeout_s=5, as_json=True)
    failure.show()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    body = json.loads(lines[0])["error"]
    assert body["exit_code"] == 5
    assert body["status"] == "ABORTED"
    assert body["request_id"] == "rid"
    assert body["current_seq"] == 4


def _documented_codes(text: str) -> dict[int, str]:
    return {
        int(m[1]): m[2] for m in re.finditer(r"^\s*\|?\s*`?(\d+)`?\s*\|?\s+(\S.*)$", text, re.M)
    }


def test_help_epilog_lists_every_exit_code() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    listed = _documented_codes(result.output.split("Exit codes:")[1])
    codes = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 130}
    assert codes <= set(listed)
    assert set(ce.EXIT_BY_STATUS.values()) <= codes


def test_docs_cli_md_documents_the_same_exit_codes() -> None:
    doc = (REPO / "docs" / "cli.md").read_text()
    table = doc.split("## Exit codes")[1]
    rows = re.findall(r"^\| `?(\d+)`? \|", table, re.M)
    assert {int(r) for r in rows} == {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 130}


@pytest.mark.parametrize(
    "argv",
    [
        ["--handles", "nohost", "handle", "resolve", "@a.ipn"],
        ["--content", "h:99999", "content", "list"],
        ["--timeout", "0", "status"],
        ["handle", "nosuch"],
        ["content", "list", "--since", "yesterday"],
        ["content", "find", "md5:00"],
        ["content", "provide", "not-a-file-nor-hash"],
        ["handle", "register", "@alice.ipn", "--period", "soon"],
        ["handle", "register", "@alice.ipn", "--meta", "novalue"],
    ],
)
def test_bad_command_lines_exit_2_before_any_call(argv: list[str]) -> None:
    """Bad options and arguments are usage errors (exit 2) found locally: the
    endpoints given are never dialled."""
    result = CliRunner().invoke(cli, argv, env={"IPNDHT_KEY_FILE": "/nonexistent/k"})
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "Error" in result.output
