"""Key files: created once with mode 0600, reloaded unchanged, refused clearly when corrupt."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.core import keyfile
from services.core.errors import FailedPrecondition
from services.core.records import keys


def test_key_is_created_0600_and_reloaded_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "node.key"
    first = keyfile.load_or_create(path)
    assert path.stat().st_mode & 0o777 == 0o600
    again = keyfile.load_or_create(path)
    assert keys.public_key_bytes(first) == keys.public_key_bytes(again)


def test_ensure_key_file_writes_the_public_key_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "registrar.key"
    public = keyfile.ensure_key_file(path)
    assert (tmp_path / "registrar.key.pub").read_text().strip() == public
    assert keyfile.ensure_key_file(path) == public  # an existing key is kept


@pytest.mark.parametrize("content", [b"not hex\n", b"ab" * 31 + b"\n", b"\xff\xfe"])
def test_corrupt_key_file_is_refused_naming_the_file(tmp_path: Path, content: bytes) -> None:
    """A file that is not a 64-hex-digit seed gives FailedPrecondition, not a traceback."""
    path = tmp_path / "bad.key"
    path.write_bytes(content)
    with pytest.raises(FailedPrecondition) as info:
        keyfile.load_or_create(path)
    assert str(path) in str(info.value)
