"""SDK config: endpoints from the environment, the retry service config, hash text forms."""

from __future__ import annotations

import json

import pytest

from ipndht.v1 import common_pb2
from ipndht_client import Endpoints
from ipndht_client import config as cfg
from ipndht_client import requests as rq
from ipndht_client.content import BLAKE3, SHA2_256, format_content_hash, parse_content_hash
from ipndht_client.errors import InvalidArgument


def test_endpoints_default_to_the_design_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the variables, the endpoints are DESIGN.md's ports on loopback."""
    for name in (cfg.ENV_DISCOVERY, cfg.ENV_HANDLES, cfg.ENV_CONTENT):
        monkeypatch.delenv(name, raising=False)
    assert Endpoints.from_env() == Endpoints(
        "127.0.0.1:50051", "127.0.0.1:50052", "127.0.0.1:50053"
    )


def test_endpoints_from_env_read_each_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each IPNDHT_*_ENDPOINT variable sets its service; an empty one keeps the default."""
    monkeypatch.setenv("IPNDHT_DISCOVERY_ENDPOINT", "127.0.0.1:1")
    monkeypatch.setenv("IPNDHT_HANDLES_ENDPOINT", "127.0.0.1:2")
    monkeypatch.setenv("IPNDHT_CONTENT_ENDPOINT", "")
    assert Endpoints.from_env() == Endpoints("127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:50053")


def test_service_config_retries_unavailable_with_backoff_for_every_service() -> None:
    """The service config retries UNAVAILABLE only, with exponential backoff, on all services."""
    config = json.loads(cfg.service_config(4))
    (method,) = config["methodConfig"]
    services = {entry["service"] for entry in method["name"]}
    assert {
        "ipndht.v1.DiscoveryService",
        "ipndht.v1.HandleRegistryService",
        "ipndht.v1.ContentRoutingService",
    } <= services
    policy = method["retryPolicy"]
    assert policy["maxAttempts"] == 4
    assert policy["retryableStatusCodes"] == ["UNAVAILABLE"]
    assert policy["backoffMultiplier"] > 1
    assert float(policy["initialBackoff"].rstrip("s")) < float(policy["maxBackoff"].rstrip("s"))


def test_one_attempt_means_no_retry_policy_and_bad_counts_are_refused() -> None:
    """max_attempts=1 has no retry policy; 0, 6 and non-ints are refused clearly."""
    (method,) = json.loads(cfg.service_config(1))["methodConfig"]
    assert "retryPolicy" not in method
    for bad in (0, 6):
        with pytest.raises(ValueError, match=r"max_attempts must be 1\.\.5"):
            cfg.service_config(bad)
    with pytest.raises(TypeError):
        cfg.service_config(True)


def test_service_config_watches_the_accepting_health_entry() -> None:
    """Channels check health client-side on ipndht.accepting (round_robin,
    the policy that supports it), whatever the retry setting."""
    for attempts in (1, 4):
        config = json.loads(cfg.service_config(attempts))
        assert config["healthCheckConfig"] == {"serviceName": "ipndht.accepting"}
        assert config["loadBalancingConfig"] == [{"round_robin": {}}]


def test_channel_options_enable_retries_with_the_config() -> None:
    """Every channel gets grpc.enable_retries=1, the service config and a
    reconnect backoff starting at 200 ms, at most 5 s."""
    options = dict(cfg.channel_options(3))
    assert options["grpc.enable_retries"] == 1
    assert json.loads(options["grpc.service_config"]) == json.loads(cfg.service_config(3))
    assert options["grpc.initial_reconnect_backoff_ms"] == 200
    assert options["grpc.max_reconnect_backoff_ms"] == 5000


def test_content_hash_text_round_trips() -> None:
    """format_content_hash and parse_content_hash are inverses for both algorithms."""
    for algorithm in (BLAKE3, SHA2_256):
        content = common_pb2.ContentHash(algorithm=algorithm, digest=bytes(range(32)))
        assert parse_content_hash(format_content_hash(content)) == content
    assert (
        format_content_hash(common_pb2.ContentHash(algorithm=SHA2_256, digest=b"\x01" * 32))
        == "sha2-256:" + "01" * 32
    )


def test_bare_hex_is_blake3_and_case_is_ignored() -> None:
    """64 bare hex digits mean BLAKE3; the algorithm name is case-insensitive."""
    assert parse_content_hash("AB" * 32).algorithm == BLAKE3
    assert parse_content_hash("SHA2-256:" + "ab" * 32).algorithm == SHA2_256


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("md5:" + "ab" * 32, "unknown hash algorithm"),
        ("blake3:" + "ab" * 31, "64 hex digits"),
        ("blake3:" + "zz" * 32, "64 hex digits"),
        ("", "64 hex digits"),
        ("blake3:" + "٣" * 64, "64 hex digits"),
    ],
)
def test_bad_content_hash_text_is_refused_clearly(text: str, message: str) -> None:
    """A bad hash text is a ValueError saying what is wrong."""
    with pytest.raises(ValueError, match=message):
        parse_content_hash(text)


@pytest.mark.parametrize(
    ("text", "host", "port"),
    [
        ("127.0.0.1:8468", "127.0.0.1", 8468),
        ("[::1]:9", "::1", 9),
        ("seed.example:1", "seed.example", 1),
    ],
)
def test_peer_addresses_parse(text: str, host: str, port: int) -> None:
    """host:port and [v6]:port become PeerAddress messages."""
    address = rq.peer_address(text)
    assert (address.host, address.port) == (host, port)


@pytest.mark.parametrize("text", ["127.0.0.1", ":80", "h:0", "h:65536", "h:\uff18\uff10", "h:-1"])
def test_bad_peer_addresses_are_invalid_argument(text: str) -> None:
    """A malformed peer address is InvalidArgument naming it, before any call."""
    with pytest.raises(InvalidArgument, match="bad peer address"):
        rq.peer_address(text)


def test_add_peers_refuses_a_bare_string() -> None:
    """add_peers("h:1") would be a list of characters; it is refused instead."""
    with pytest.raises(InvalidArgument, match="not one string"):
        rq.add_peers_request("127.0.0.1:1")


def test_unknown_health_service_name_is_refused() -> None:
    """health() takes discovery, handles or content."""
    assert rq.health_name("handles") == "ipndht.v1.HandleRegistryService"
    with pytest.raises(ValueError, match="unknown service 'dns'"):
        rq.health_name("dns")
