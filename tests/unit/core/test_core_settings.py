"""Settings: defaults that run on one machine, and clear refusals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from services.core.settings import SettingsError, load_settings
from tests.support.services import REPO


def test_defaults_match_the_design() -> None:
    """With no IPNDHT_* variables the settings are valid and point at local Redis."""
    settings = load_settings()
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.discovery_addr == "127.0.0.1:50051"
    assert settings.grpc_port is None  # the service's own default port


@pytest.mark.parametrize(
    ("variable", "value", "fragment"),
    [
        ("IPNDHT_GRPC_PORT", "70000", "less than or equal to 65535"),
        ("IPNDHT_GRPC_PORT", "abc", "valid integer"),
        ("IPNDHT_LOG_LEVEL", "loud", "'debug', 'info'"),
        ("IPNDHT_REDIS_URL", "http://x", "redis://"),
        ("IPNDHT_DISCOVERY_ADDR", "nohostport", "host:port"),
        ("IPNDHT_SHUTDOWN_GRACE_S", "-1", "greater than or equal to 0"),
    ],
)
def test_bad_value_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, fragment: str
) -> None:
    """Each bad value is refused with a message naming the variable and the rule."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert variable in str(info.value)
    assert fragment in str(info.value)


def test_bad_setting_stops_the_process_with_exit_code_2() -> None:
    """A service started with a bad setting prints the setting's name and exits 2."""
    env = {"IPNDHT_GRPC_PORT": "not-a-port", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "services.discovery"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "IPNDHT_GRPC_PORT" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_start_up_failure_is_one_line_and_exit_code_1(tmp_path: Path) -> None:
    """A corrupt registrar key file stops the registry with a message naming
    the file and exit code 1, not a traceback."""
    data = tmp_path / "data"
    (data / "handle-registry").mkdir(parents=True)
    key = data / "handle-registry" / "registrar.key"
    key.write_text("not a key\n")
    env = {
        "PATH": "/usr/bin:/bin",
        "IPNDHT_DATA_DIR": str(data),
        "IPNDHT_REGISTRAR_KEY_FILE": str(key),
        "IPNDHT_REDIS_URL": "",
        "IPNDHT_GRPC_PORT": "0",
        "IPNDHT_DHT_PORT": "0",
        "IPNDHT_METRICS_ENABLED": "false",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "services.handles"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "cannot start" in proc.stderr and str(key) in proc.stderr
    assert "Traceback" not in proc.stderr


def test_non_ascii_port_digits_are_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """A superscript digit is no port: the message names the setting and the form."""
    monkeypatch.setenv("IPNDHT_BOOTSTRAP", "127.0.0.1:\u00b2")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert "IPNDHT_BOOTSTRAP" in str(info.value) and "host:port" in str(info.value)
