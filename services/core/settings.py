"""The one settings object of a process, read from ``IPNDHT_*`` variables.

A bad or missing value stops start-up with a message naming the setting
(``load_settings``); nothing else in the project reads the environment.
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.core import constants as c

LogFormat = Literal["auto", "json", "console"]
LogLevel = Literal["debug", "info", "warning", "error"]


def _check_host_port(text: str) -> None:
    """ValueError unless ``text`` is host:port with an ASCII port in 1..65535."""
    host, sep, port = text.rpartition(":")
    if not (sep and host and port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(f"expected host:port with a port in 1..65535, got {text!r}")


class Settings(BaseSettings):
    """Every setting of every ipndht process. Defaults run on one machine."""

    model_config = SettingsConfigDict(
        env_prefix=c.ENV_PREFIX, extra="ignore", frozen=True, case_sensitive=False
    )

    # -- network ------------------------------------------------------------------
    grpc_host: str = Field("127.0.0.1", description="Interface the gRPC server binds.")
    grpc_port: int | None = Field(
        None,
        ge=0,
        le=65535,
        description="gRPC port; unset means the service default (50051/50052/50053), "
        "0 picks a free port.",
    )
    metrics_host: str = Field("127.0.0.1", description="Interface of the metrics endpoint.")
    metrics_port: int | None = Field(
        None,
        ge=0,
        le=65535,
        description="Prometheus port; unset means the service default (9101/9102/9103), "
        "0 picks a free port.",
    )
    metrics_enabled: bool = Field(True, description="Serve Prometheus metrics over HTTP.")
    discovery_addr: str = Field(
        "127.0.0.1:50051", description="host:port of the discovery service."
    )
    handles_addr: str = Field(
        "127.0.0.1:50052", description="host:port of the handle-registry service."
    )

    # -- DHT ---------------------------------------------------------------------------
    dht_host: str = Field("127.0.0.1", description="IP address the DHT node binds (UDP).")
    dht_port: int | None = Field(
        None,
        ge=0,
        le=65535,
        description="DHT UDP port; unset means the service default (8468/8469/8470), "
        "0 picks a free port.",
    )
    dht_ksize: int = Field(20, ge=2, le=64, description="Kademlia k: bucket size and replicas.")
    dht_alpha: int = Field(3, ge=1, le=16, description="Kademlia alpha: lookup parallelism.")
    dht_rpc_timeout_ms: int = Field(
        1000,
        ge=50,
        le=5000,
        description="Longest wait for one DHT RPC; per-peer timeouts adapt below it.",
    )
    dht_refresh_interval_s: float = Field(
        600.0, gt=0, description="Routing-table refresh period (every period)."
    )
    dht_republish_interval_s: float = Field(
        1800.0, gt=0, description="How often a node stores its own records again."
    )
    dht_quorum: int = Field(3, ge=1, le=20, description="Valid answers a lookup gathers.")
    dht_store_max_records: int = Field(
        100_000, ge=1, description="Records the durable store holds before refusing."
    )
    dht_rate_limit_per_s: float = Field(
        1000.0,
        gt=0,
        description="Inbound requests per second allowed per source address (burst twice that).",
    )
    dht_ip_diversity: Literal["auto", "on", "off"] = Field(
        "auto", description="Per-bucket /24 (/48) limit: auto is off on loopback, on otherwise."
    )
    bootstrap: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated host:port DHT peers to join from (host names allowed).",
    )
    trusted_registrars: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated hex Ed25519 keys whose countersignature admits handle "
        "records.",
    )
    trusted_registrars_file: Path | None = Field(
        None,
        description="File of hex registrar public keys (one per line) trusted in addition "
        "to IPNDHT_TRUSTED_REGISTRARS; read at start.",
    )
    min_peers: int = Field(
        2,
        ge=0,
        le=1000,
        description="Live DHT peers needed before health is SERVING and writes are accepted "
        "(0: single-node set-up).",
    )

    # -- discovery -------------------------------------------------------------------
    dns_seeds: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated DNS seed domains (SRV _ipndht._udp.<domain>, then A/AAAA).",
    )
    dns_nameserver: str = Field(
        "", description="host:port of the DNS server to ask; empty uses the system resolver."
    )
    dns_seed_delay_s: float = Field(
        2.0,
        ge=0,
        le=300,
        description="Seconds the cache and bootstrap list get to reach min_peers before "
        "the DNS seeds are asked.",
    )
    peer_ping_interval_s: float = Field(
        5.0, gt=0, le=3600, description="Seconds between liveness pings of known peers."
    )
    peer_max_failures: int = Field(
        3, ge=1, le=100, description="Consecutive failed pings after which a peer is evicted."
    )
    peer_cache_flush_s: float = Field(
        30.0, gt=0, le=3600, description="Seconds between writes of the peer cache to disk."
    )

    # -- handle registry ---------------------------------------------------------------
    registrar_key_file: Path | None = Field(
        None,
        description="File with the registrar's 32-byte Ed25519 seed (hex); unset: "
        "<data dir>/handle-registry/registrar.key, generated at first start.",
    )
    handle_period_s: int = Field(
        365 * 24 * 3600,
        ge=60,
        description="Longest registration (and renewal) period of a handle, in seconds.",
    )
    handle_grace_s: int = Field(
        30 * 24 * 3600,
        ge=0,
        description="Seconds after expiry during which only the owner may renew a handle.",
    )

    # -- content routing ---------------------------------------------------------------
    provider_ttl_s: int = Field(
        48 * 3600,
        ge=60,
        le=7 * 24 * 3600,
        description="Default lifetime of a provider record, in seconds.",
    )
    timeline_bucket_s: int = Field(
        3600,
        ge=1,
        le=7 * 24 * 3600,
        description="Width of the DHT timeline index buckets, in seconds.",
    )

    # -- cache ---------------------------------------------------------------------
    redis_url: str = Field(
        "redis://127.0.0.1:6379/0",
        description="Redis cache URL (redis:// or rediss://, user and password allowed); "
        "empty disables the cache.",
    )
    cache_timeout_ms: int = Field(
        int(c.CACHE_OP_TIMEOUT_S * 1000),
        ge=1,
        le=10_000,
        description="Longest a cache call may take before it counts as a miss.",
    )

    # -- limits -------------------------------------------------------------------
    max_message_bytes: int = Field(
        c.DEFAULT_MAX_MESSAGE_BYTES,
        ge=64 * 1024,
        le=64 * 1024 * 1024,
        description="Largest gRPC message received or sent.",
    )
    default_deadline_s: float = Field(
        c.DEFAULT_SERVER_DEADLINE_S,
        gt=0,
        le=600,
        description="Server-side time limit of a unary RPC when the client sets none shorter.",
    )
    max_concurrent_rpcs: int = Field(
        c.DEFAULT_MAX_CONCURRENT_RPCS,
        ge=1,
        le=100_000,
        description="Concurrent RPCs before the server answers RESOURCE_EXHAUSTED.",
    )
    shutdown_grace_s: float = Field(
        c.DEFAULT_SHUTDOWN_GRACE_S,
        ge=0,
        le=300,
        description="Seconds in-flight RPCs get to finish after SIGTERM/SIGINT.",
    )

    # -- state and logs --------------------------------------------------------------
    data_dir: Path = Field(
        Path("data"), description="Directory for durable state (one sub-directory per service)."
    )
    log_level: LogLevel = Field("info", description="Lowest level logged.")
    log_format: LogFormat = Field(
        "auto", description="json, console, or auto (console on a terminal, JSON otherwise)."
    )
    access_log: bool = Field(False, description="Log one line per RPC (costs throughput).")

    @field_validator("discovery_addr", "handles_addr")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if (
            not sep
            or not host
            or not (port.isascii() and port.isdigit())
            or not 0 < int(port) < 65536
        ):
            raise ValueError(f"expected host:port with a port in 1..65535, got {value!r}")
        return value

    @field_validator("bootstrap", "trusted_registrars", "dns_seeds", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("bootstrap")
    @classmethod
    def _peers(cls, value: list[str]) -> list[str]:
        for item in value:
            host, sep, port = item.rpartition(":")
            if (
                not sep
                or not host
                or not (port.isascii() and port.isdigit())
                or not 0 < int(port) < 65536
            ):
                raise ValueError(f"expected host:port with a port in 1..65535, got {item!r}")
        return value

    @field_validator("trusted_registrars")
    @classmethod
    def _registrar_keys(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                raw = bytes.fromhex(item)
            except ValueError:
                raw = b""
            if len(raw) != 32:
                raise ValueError(f"expected 64 hex digits (an Ed25519 key), got {item!r}")
        return [item.lower() for item in value]

    @field_validator("dht_host")
    @classmethod
    def _ip(cls, value: str) -> str:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise ValueError(f"expected an IP address, got {value!r}") from None
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://, or be empty")
        return value

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


class SettingsError(Exception):
    """The environment does not give valid settings; the message names them."""


def describe_validation_error(error: ValidationError) -> str:
    """One line per bad setting, naming the environment variable."""
    lines = []
    for item in error.errors():
        name = c.ENV_PREFIX + "_".join(str(part) for part in item["loc"]).upper()
        given = item.get("input")
        shown = "" if isinstance(given, dict) else f" (got {given!r})"
        lines.append(f"{name}: {item['msg']}{shown}")
    return "invalid settings:\n  " + "\n  ".join(lines)


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise SettingsError naming each bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(exc)) from None


def load_settings_or_exit(**overrides: object) -> Settings:
    """Read the settings, or print what is wrong and exit with code 2."""
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        print(f"ipndht: {exc}", file=sys.stderr)
        raise SystemExit(c.EXIT_BAD_SETTINGS) from None
