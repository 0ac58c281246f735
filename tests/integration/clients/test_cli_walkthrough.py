"""The ipndht CLI against the whole system (real processes, real Redis):
the walk-through of docs/cli.md, command by command."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from click.testing import CliRunner, Result

from ipndht_client.cli import cli
from tests.support.redis import RedisProcess
from tests.support.system import System

#: The services' process names and the CLI's names for them.
SERVICE_PROCESSES = {
    "discovery": "discovery",
    "handles": "handle-registry",
    "content": "content-routing",
}


@pytest.fixture(scope="module")
def system(
    redis_session: RedisProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[System]:
    """One system for the module, on the shared Redis emptied first."""
    client = redis.Redis.from_url(redis_session.url)
    client.flushdb()
    client.close()
    running = System(tmp_path_factory.mktemp("cli-walk"), redis_url=redis_session.url)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def ipndht(system: System, key: Path, *argv: str) -> Result:
    """Run the CLI in-process with the system's endpoints and ``key``."""
    env = {
        "IPNDHT_DISCOVERY_ENDPOINT": system.endpoints["discovery"],
        "IPNDHT_HANDLES_ENDPOINT": system.endpoints["handles"],
        "IPNDHT_CONTENT_ENDPOINT": system.endpoints["content"],
        "IPNDHT_KEY_FILE": str(key),
        "IPNDHT_KEY_PASSPHRASE": "",
    }
    return CliRunner().invoke(cli, list(argv), env=env)


def ok_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_keygen_then_handle_register_resolve_update_history(system: System, tmp_path: Path) -> None:
    """A new key registers a handle; resolve, update (an alias) and history
    show the records as the registry countersigned them."""
    key = tmp_path / "alice.key"
    public = ok_json(ipndht(system, key, "--json", "keygen"))["public_key"]

    registered = ok_json(
        ipndht(
            system,
            key,
            "--json",
            "handle",
            "register",
            "@Alice-Walk.ipn",
            "-a",
            "tcp://10.0.0.1:4001",
            "-m",
            "role=dev",
        )
    )
    assert registered["record"]["decoded"]["handle"] == "@alice-walk.ipn"
    assert registered["record"]["signer"] == public
    assert len(registered["record"]["countersignatures"]) == 1

    table = ipndht(system, key, "handle", "resolve", "@alice-walk.ipn")
    assert table.exit_code == 0, table.output
    assert public in table.stdout and "tcp://10.0.0.1:4001" in table.stdout

    updated = ok_json(
        ipndht(
            system, key, "--json", "handle", "update", "@alice-walk.ipn", "--alias", "alice-walk-v"
        )
    )
    assert updated["record"]["seq"] == 2
    assert updated["record"]["decoded"]["addresses"] == ["tcp://10.0.0.1:4001"]
    by_alias = ok_json(ipndht(system, key, "--json", "handle", "resolve", "alice-walk-v"))
    assert by_alias["public_key"] == public
    assert by_alias["kind"] == "QUERY_KIND_ALIAS"

    history = ok_json(ipndht(system, key, "--json", "handle", "history", "@alice-walk.ipn"))
    ops = [r["decoded"]["operation"] for r in history["records"]]
    assert ops == ["HANDLE_OPERATION_REGISTER", "HANDLE_OPERATION_UPDATE"]

    renewed = ok_json(ipndht(system, key, "--json", "handle", "renew", "@alice-walk.ipn"))
    assert renewed["record"]["seq"] == 3


def test_handle_transfer_and_release_by_the_owner(system: System, tmp_path: Path) -> None:
    """update --target points a handle at another key; transfer hands it to
    that key (named by its hex key); the new owner can release it and it no
    longer resolves."""
    old, new = tmp_path / "old.key", tmp_path / "new.key"
    ok_json(ipndht(system, old, "--json", "keygen"))
    new_public = ok_json(ipndht(system, new, "--json", "keygen"))["public_key"]
    ok_json(ipndht(system, old, "--json", "handle", "register", "@handover.ipn"))
    aimed = ok_json(
        ipndht(system, old, "--json", "handle", "update", "@handover.ipn", "--target", new_public)
    )
    assert aimed["record"]["decoded"]["target_key"] == new_public
    moved = ok_json(
        ipndht(system, old, "--json", "handle", "transfer", "@handover.ipn", new_public)
    )
    assert moved["record"]["decoded"]["owner_key"] == new_public
    released = ipndht(system, new, "handle", "release", "@handover.ipn")
    assert released.exit_code == 0, released.output
    gone = ipndht(system, new, "handle", "resolve", "@handover.ipn")
    assert gone.exit_code == 4
    assert "NOT_FOUND" in gone.stderr


def test_content_provide_file_find_list_stop(system: System, tmp_path: Path) -> None:
    """A provided file is found under its BLAKE3 hash and listed in the
    timeline; after stop it has no providers."""
    key = tmp_path / "k"
    public = ok_json(ipndht(system, key, "--json", "keygen"))["public_key"]
    ok_json(ipndht(system, key, "--json", "handle", "register", "@provider-walk.ipn"))
    data = tmp_path / "blob.bin"
    data.write_bytes(os.urandom(300_000))

    provided = ok_json(
        ipndht(
            system,
            key,
            "--json",
            "content",
            "provide",
            str(data),
            "-a",
            "http://10.0.0.1/blob",
            "--handle",
            "@provider-walk.ipn",
        )
    )
    name = provided["content"]
    assert name.startswith("blake3:")
    assert provided["size"] == 300_000
    assert provided["holders"] >= 1

    found = ok_json(ipndht(system, key, "--json", "content", "find", name))
    assert [p["provider_key"] for p in found["providers"]] == [public]
    assert found["providers"][0]["provider"]["handle"] == "@provider-walk.ipn"

    listed = ok_json(ipndht(system, key, "--json", "content", "list", "--since", "10m"))
    mine = [e for e in listed["entries"] if e["provider_key"] == public]
    assert [e["hash_timer"]["hex"] for e in mine] == [provided["hash_timer"]["hex"]]
    table = ipndht(system, key, "content", "list", "--since", "10m ago", "--until", "now")
    assert table.exit_code == 0 and name in table.stdout

    stopped = ipndht(system, key, "content", "stop", name)
    assert stopped.exit_code == 0, stopped.output
    assert ok_json(ipndht(system, key, "--json", "content", "find", name))["providers"] == []


def test_content_provide_a_bare_hash_with_a_size(system: System, tmp_path: Path) -> None:
    """A content hash given as text is announced as it is (here SHA2-256)."""
    key = tmp_path / "k"
    ok_json(ipndht(system, key, "--json", "keygen"))
    name = "sha2-256:" + "ab" * 32
    provided = ok_json(ipndht(system, key, "--json", "content", "provide", name, "--size", "42"))
    assert provided["content"] == name
    found = ok_json(ipndht(system, key, "--json", "content", "find", name))
    assert found["providers"][0]["provider"]["size_bytes"] == 42


def test_resource_announce_and_discover_with_filters(system: System, tmp_path: Path) -> None:
    key = tmp_path / "k"
    public = ok_json(ipndht(system, key, "--json", "keygen"))["public_key"]
    for rid, gpu in (("node-a", "yes"), ("node-b", "no")):
        ok_json(
            ipndht(
                system,
                key,
                "--json",
                "resource",
                "announce",
                "cli-compute",
                rid,
                "--data",
                f"data of {rid}",
                "--attr",
                f"gpu={gpu}",
                "--ttl",
                "10m",
            )
        )
    found = ok_json(
        ipndht(system, key, "--json", "resource", "discover", "cli-compute", "--filter", "gpu=yes")
    )
    assert [(r["resource"]["id"], r["announcer_key"]) for r in found["resources"]] == [
        ("node-a", public)
    ]
    table = ipndht(system, key, "resource", "discover", "cli-compute")
    assert table.exit_code == 0
    assert "data of node-a" in table.stdout and "data of node-b" in table.stdout


def test_peers_list_add_bootstrap_and_watch(system: System, tmp_path: Path) -> None:
    """The DHT-only node shows up in peers list; adding it by hand answers
    it LIVE; watch --current --count 1 prints one JSON line and ends."""
    key = tmp_path / "unused"
    listed = ok_json(ipndht(system, key, "--json", "peers", "list"))
    assert listed["total"] >= 1
    node_port = system.dht_ports["dht-node-1"]
    added = ok_json(ipndht(system, key, "--json", "peers", "add", f"127.0.0.1:{node_port}"))
    assert [(p["port"], p["state"]) for p in added["peers"]] == [(node_port, "PEER_STATE_LIVE")]
    refreshed = ok_json(ipndht(system, key, "--json", "peers", "bootstrap"))
    assert refreshed["live_peers"] >= 1
    watched = ipndht(system, key, "--json", "peers", "watch", "--current", "--count", "1")
    assert watched.exit_code == 0, watched.output
    lines = watched.stdout.splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["kind"] == "PEER_EVENT_KIND_JOINED"


def _metrics_options(system: System) -> list[str]:
    options = []
    for service, process in SERVICE_PROCESSES.items():
        port = system.processes[process].env["IPNDHT_METRICS_PORT"]
        options += ["--metrics", f"{service}=http://127.0.0.1:{port}/metrics"]
    return options


def test_status_shows_every_service_serving_with_peers_and_cache(
    system: System, tmp_path: Path
) -> None:
    """status reads health, discovery's GetStatus, the registrar info and
    each service's cache gauge; all SERVING is exit 0."""
    doc = ok_json(ipndht(system, tmp_path / "k", "--json", "status", *_metrics_options(system)))
    services = doc["services"]
    assert {s: v["health"] for s, v in services.items()} == dict.fromkeys(
        SERVICE_PROCESSES, "SERVING"
    )
    assert all(v["cache_up"] is True for v in services.values())
    assert services["discovery"]["status"]["live_peers"] >= 1
    assert services["handles"]["registrar"]["registrar_key"] == system.registrar.public_hex
    table = ipndht(system, tmp_path / "k", "status", *_metrics_options(system))
    assert table.exit_code == 0
    assert table.stdout.count("SERVING") == 3
    assert "up" in table.stdout
