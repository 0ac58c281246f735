"""Where the services are and how calls to them are made.

``Endpoints`` names the three services (defaults: DESIGN.md's ports on
loopback; ``Endpoints.from_env()`` reads the ``IPNDHT_*_ENDPOINT``
variables). ``service_config`` is the gRPC service config every SDK channel
uses: calls that fail with UNAVAILABLE (service down or starting, too few
DHT peers, shutting down) are retried with exponential backoff, all within
the call's one deadline; and the channel watches the server's
``ipndht.accepting`` health entry (client-side health checking), so that it
stops sending calls the moment a server starts shutting down instead of
racing the server's close.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

#: Default per-call deadline in seconds: long enough for a DHT write that
#: waits for a quorum of holders, short enough that a dead service is
#: reported promptly.
DEFAULT_TIMEOUT_S = 10.0
#: Default attempts per call (the first and three retries).
DEFAULT_MAX_ATTEMPTS = 4
#: gRPC clamps maxAttempts to 5 (its default "grpc.max_retry_attempts"
#: ceiling); a larger value would silently mean 5.
MAX_ATTEMPTS_CEILING = 5
#: First backoff: a restarting service is usually back within a few hundred
#: milliseconds.
INITIAL_BACKOFF_S = 0.2
#: Backoff ceiling, so that 4 attempts fit well inside DEFAULT_TIMEOUT_S.
MAX_BACKOFF_S = 2.0
#: Backoff growth per retry.
BACKOFF_MULTIPLIER = 2.0
#: First and longest pause between reconnection attempts after a service
#: went away. gRPC's defaults (1 s, growing to 120 s) can leave a channel
#: failing calls at once for seconds after the service is back, longer than
#: the retries above wait; a restart usually takes well under a second.
RECONNECT_INITIAL_S = 0.2
RECONNECT_MAX_S = 5.0

#: The gRPC services the retry policy covers: the three of DESIGN.md and
#: gRPC health.
SERVICE_NAMES = (
    "ipndht.v1.DiscoveryService",
    "ipndht.v1.HandleRegistryService",
    "ipndht.v1.ContentRoutingService",
    "grpc.health.v1.Health",
)

#: Health entry every ipndht server keeps SERVING from the moment it listens
#: until its shutdown starts. Client-side health checking needs a load
#: balancing policy that supports it: round_robin (over the target's
#: addresses; one address behaves as pick_first does).
ACCEPTING_HEALTH_NAME = "ipndht.accepting"

ENV_DISCOVERY = "IPNDHT_DISCOVERY_ENDPOINT"
ENV_HANDLES = "IPNDHT_HANDLES_ENDPOINT"
ENV_CONTENT = "IPNDHT_CONTENT_ENDPOINT"


@dataclass(frozen=True)
class Endpoints:
    """``host:port`` of each service."""

    discovery: str = "127.0.0.1:50051"
    handles: str = "127.0.0.1:50052"
    content: str = "127.0.0.1:50053"

    @classmethod
    def from_env(cls) -> Endpoints:
        """The endpoints named by IPNDHT_DISCOVERY_ENDPOINT,
        IPNDHT_HANDLES_ENDPOINT and IPNDHT_CONTENT_ENDPOINT (each defaulting
        as above; an empty variable counts as unset)."""
        defaults = cls()
        return cls(
            discovery=os.environ.get(ENV_DISCOVERY) or defaults.discovery,
            handles=os.environ.get(ENV_HANDLES) or defaults.handles,
            content=os.environ.get(ENV_CONTENT) or defaults.content,
        )


def _seconds(value: float) -> str:
    return f"{value:.3f}s"


def service_config(max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> str:
    """The gRPC service-config JSON: retry on UNAVAILABLE with exponential
    backoff, ``max_attempts`` attempts per call (1 means no retry; at most
    5, gRPC's ceiling), and client-side health checking of
    ``ACCEPTING_HEALTH_NAME``."""
    if isinstance(max_attempts, bool) or not isinstance(max_attempts, int):
        raise TypeError("max_attempts must be an int")
    if not 1 <= max_attempts <= MAX_ATTEMPTS_CEILING:
        raise ValueError(f"max_attempts must be 1..{MAX_ATTEMPTS_CEILING}, not {max_attempts}")
    method: dict[str, Any] = {"name": [{"service": name} for name in SERVICE_NAMES]}
    if max_attempts > 1:
        method["retryPolicy"] = {
            "maxAttempts": max_attempts,
            "initialBackoff": _seconds(INITIAL_BACKOFF_S),
            "maxBackoff": _seconds(MAX_BACKOFF_S),
            "backoffMultiplier": BACKOFF_MULTIPLIER,
            "retryableStatusCodes": ["UNAVAILABLE"],
        }
    config = {
        "methodConfig": [method],
        "loadBalancingConfig": [{"round_robin": {}}],
        "healthCheckConfig": {"serviceName": ACCEPTING_HEALTH_NAME},
    }
    return json.dumps(config, separators=(",", ":"))


def channel_options(max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> list[tuple[str, Any]]:
    """Options for every SDK channel: retries on, the service config, and a
    reconnect backoff that finds a restarted service within the retries."""
    return [
        ("grpc.enable_retries", 1),
        ("grpc.service_config", service_config(max_attempts)),
        ("grpc.initial_reconnect_backoff_ms", int(RECONNECT_INITIAL_S * 1000)),
        ("grpc.max_reconnect_backoff_ms", int(RECONNECT_MAX_S * 1000)),
    ]
