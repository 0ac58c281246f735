"""docker-compose.yml, checked statically (no Docker engine runs here)."""

from __future__ import annotations

from typing import Any

import yaml

from services.core.host import SPECS
from services.core.settings import Settings
from services.launcher import EXTRA_DHT_NODES, PROCESSES
from tests.support.services import REPO


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def test_every_environment_variable_is_a_setting() -> None:
    """No service sets an IPNDHT_* variable that the settings object does not read."""
    known = {f"IPNDHT_{name.upper()}" for name in Settings.model_fields}
    for name, service in _compose()["services"].items():
        for variable in service.get("environment", {}) or {}:
            if variable.startswith("IPNDHT_"):
                assert variable in known, f"{name} sets unknown setting {variable}"


def test_services_use_the_commands_and_ports_of_make_run_and_design() -> None:
    """Each service runs the module `make run` runs, on DESIGN.md's ports."""
    services = _compose()["services"]
    for name, module, spec_name in PROCESSES:
        spec = SPECS[spec_name]
        service = services[name]
        assert service["command"] == ["python", "-m", module]
        ports = set(service["ports"])
        assert f"{spec.grpc_port}:{spec.grpc_port}" in ports
        assert f"{spec.dht_port}:{spec.dht_port}/udp" in ports
        assert f"{spec.metrics_port}:{spec.metrics_port}" in ports
        probe = service["healthcheck"]["test"]
        assert probe == [
            "CMD",
            "python",
            "-m",
            "services.core.probe",
            f"127.0.0.1:{spec.grpc_port}",
        ]
    for index in range(1, EXTRA_DHT_NODES + 1):
        node = services[f"dht-node-{index}"]
        assert node["command"] == ["python", "-m", "services.dhtnode"]
        assert "services.core.probe" in node["healthcheck"]["test"]


def test_state_lives_in_volumes_and_redis_keeps_an_aof() -> None:
    compose = _compose()
    redis = compose["services"]["redis"]
    assert "--appendonly" in redis["command"] and "yes" in redis["command"]
    for name, service in compose["services"].items():
        if name in ("redis", "keys"):
            continue
        assert any(v.endswith(":/data") for v in service["volumes"]), name
    assert set(compose["volumes"]) >= {"redis-data", "keys", "trust"}


def test_only_the_registry_can_read_the_registrar_private_key() -> None:
    """The keys volume (the registrar's private key) is mounted by the key
    maker and the handle registry only; every node gets the public key from
    the trust volume, which is what IPNDHT_TRUSTED_REGISTRARS_FILE names."""
    compose = _compose()
    for name, service in compose["services"].items():
        mounts = [v.split(":")[0] for v in service.get("volumes", [])]
        if "keys" in mounts:
            assert name in ("keys", "handle-registry"), name
        if name not in ("redis", "keys"):
            assert "trust" in mounts, name
    env = compose["x-env"]
    assert env["IPNDHT_TRUSTED_REGISTRARS_FILE"].startswith("/trust/")


def test_dockerfile_copies_what_the_services_import() -> None:
    text = (REPO / "Dockerfile").read_text()
    for path in ("gen", "services", "pyproject.toml"):
        assert f"COPY {path}" in text
