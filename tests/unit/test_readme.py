"""README.md stays true: the two commands, and every setting documented."""

from __future__ import annotations

from services.core.settings import Settings
from tests.support.services import REPO


def test_readme_gives_the_two_commands() -> None:
    text = (REPO / "README.md").read_text()
    assert "make run" in text and "make test" in text


def test_every_setting_is_in_the_readme_table() -> None:
    """Each IPNDHT_* variable the settings object reads has a row in README.md."""
    text = (REPO / "README.md").read_text()
    missing = [
        f"IPNDHT_{name.upper()}"
        for name in Settings.model_fields
        if f"| `IPNDHT_{name.upper()}` |" not in text
    ]
    assert not missing, f"settings missing from README.md: {missing}"


def test_ci_runs_make_test() -> None:
    """CI runs exactly the README's test command."""
    script = (REPO / ".ci" / "run").read_text()
    assert "make test" in script
