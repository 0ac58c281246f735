"""``ipndht content provide FILE`` hashes with a progress bar only for a
large file on a terminal, and gets the same hash either way."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from rich.console import Console

from ipndht_client import cli_content
from ipndht_client.cli_context import State
from ipndht_client.config import Endpoints
from ipndht_client.content import BLAKE3, SHA2_256, hash_file


def _terminal(buffer: io.StringIO) -> Console:
    return Console(file=buffer, force_terminal=True, width=100)


@pytest.mark.parametrize("algorithm", [BLAKE3, SHA2_256])
def test_a_large_file_draws_a_bar_and_hashes_like_the_sdk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, algorithm: int
) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    drawn = io.StringIO()
    monkeypatch.setattr(cli_content, "PROGRESS_MIN_BYTES", 1024 * 1024)
    monkeypatch.setattr(cli_content, "stderr_console", lambda: _terminal(drawn))
    digest, size = cli_content.hash_file_with_progress(path, algorithm, show=True)
    assert (digest, size) == hash_file(path, algorithm)
    assert "hashing" in drawn.getvalue() and "big.bin" in drawn.getvalue()


def test_no_bar_below_the_threshold_or_when_not_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "small.bin"
    path.write_bytes(b"x" * 4096)
    drawn = io.StringIO()
    monkeypatch.setattr(cli_content, "PROGRESS_MIN_BYTES", 1024 * 1024)
    monkeypatch.setattr(cli_content, "stderr_console", lambda: _terminal(drawn))
    assert cli_content.hash_file_with_progress(path, BLAKE3, show=True) == hash_file(path)
    monkeypatch.setattr(cli_content, "PROGRESS_MIN_BYTES", 1)
    assert cli_content.hash_file_with_progress(path, BLAKE3, show=False) == hash_file(path)
    assert drawn.getvalue() == ""


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_is_off_with_json_or_when_stderr_is_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def state(as_json: bool) -> State:
        return State(Endpoints(), Path("k"), None, 1.0, as_json)

    monkeypatch.setattr("sys.stderr", _Tty())
    assert cli_content.progress_wanted(state(False)) is True
    assert cli_content.progress_wanted(state(True)) is False
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert cli_content.progress_wanted(state(False)) is False
