"""Every fixed number of the project in one place, each with why its value."""

from __future__ import annotations

# --- Names fixed by DESIGN.md -------------------------------------------------

#: Fully qualified gRPC service names (DESIGN.md "Fixed names").
DISCOVERY_SERVICE = "ipndht.v1.DiscoveryService"
HANDLES_SERVICE = "ipndht.v1.HandleRegistryService"
CONTENT_SERVICE = "ipndht.v1.ContentRoutingService"

#: Prefix of every Redis key, so that a shared Redis can hold other data too.
REDIS_KEY_PREFIX = "ipndht"

#: Prefix of every environment variable read by the settings object.
ENV_PREFIX = "IPNDHT_"

# --- Process ------------------------------------------------------------------

#: Exit code for a bad or missing setting: 2 is the conventional "usage
#: error" code (argparse, click), distinct from a crash (1).
EXIT_BAD_SETTINGS = 2

#: Exit code when start-up cannot proceed (port in use, unreadable key file):
#: the generic failure code, distinct from a bad setting (2).
EXIT_START_FAILED = 1

#: Metadata key carrying the request id in and out of every RPC; lower case
#: because gRPC metadata keys must be.
REQUEST_ID_METADATA = "x-request-id"

#: Longest request id accepted from a client; longer ones are replaced so a
#: client cannot bloat every log line.
REQUEST_ID_MAX_LEN = 64

# --- Cache --------------------------------------------------------------------

#: Upper bound on how long one cache call may take before the call degrades to
#: "no cache": DESIGN.md asks that no RPC wait more than about 100 ms on a dead
#: Redis.
CACHE_OP_TIMEOUT_S = 0.1

#: Socket read and connect timeout of the Redis client: a backstop only, as
#: every cache call carries its own deadline (CACHE_OP_TIMEOUT_S, or a longer
#: one for a handle claim); above any such deadline.
CACHE_SOCKET_BACKSTOP_S = 10.0

#: First and longest pause between reconnection probes while Redis is down:
#: short enough to notice a restart within a second, long enough not to spin.
CACHE_RETRY_MIN_S = 0.25
CACHE_RETRY_MAX_S = 2.0

#: How often health re-checks the minimum-peer rule: well within a liveness
#: interval, and cheap (it counts routing-table entries).
PEER_GATE_POLL_S = 0.5

#: First and longest pause between bootstrap retries while a node has fewer
#: peers than it needs: quick enough to join peers that start a second later,
#: slow enough not to hammer a bootstrap host that is down.
REBOOTSTRAP_MIN_S = 1.0
REBOOTSTRAP_MAX_S = 30.0

# --- gRPC ---------------------------------------------------------------------

#: Largest gRPC message accepted or sent by default: every reply is bounded by
#: paging well below this, and 4 MiB is gRPC's own default receive limit.
DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024

#: Longest status message sent to a client, in UTF-8 bytes. Messages may
#: quote client input; gRPC sends the message percent-encoded (up to three
#: characters a byte) in a header, and clients refuse headers over 8 KiB, so
#: an unbounded message would replace the status with RESOURCE_EXHAUSTED.
ERROR_MESSAGE_MAX_BYTES = 1024

#: Server-side work limit for a unary RPC when the client gives no shorter
#: deadline: long enough for a DHT lookup through several slow rounds, short
#: enough that a stuck call frees its slot.
DEFAULT_SERVER_DEADLINE_S = 10.0

#: In-flight RPCs finish within this many seconds after SIGTERM before the
#: server cancels them (Kubernetes' default termination grace is 30 s; 10 s
#: leaves room for state flushing).
DEFAULT_SHUTDOWN_GRACE_S = 10.0

#: Health entry that is SERVING from the moment a server listens until its
#: shutdown starts, whatever the minimum-peer rule says. Clients that watch it
#: (the SDK's channels do, by client-side health checking) stop sending calls
#: as soon as shutdown starts, so none reaches a server that is closing.
ACCEPTING_HEALTH_NAME = "ipndht.accepting"

#: After health goes NOT_SERVING, how long the server keeps serving before it
#: stops taking calls (taken out of the grace period): clients watching
#: health learn it from one stream message, within milliseconds even on two
#: busy cores. Calls reaching grpc-core after it stops taking them would be
#: answered CANCELLED rather than UNAVAILABLE (grpc/grpc#41785).
SHUTDOWN_DRAIN_S = 0.3

#: Concurrent RPCs a server handles before it answers RESOURCE_EXHAUSTED;
#: bounds memory under overload on a 2-core machine.
DEFAULT_MAX_CONCURRENT_RPCS = 2000

#: Calls grpc-core holds before the Python server has taken them (its
#: "pending requests"), past which it starts refusing new calls at random
#: with a bare CANCELLED, up to all of them at twice this. grpc's default of
#: 1000 is reached by a stall of a few hundred milliseconds at a few thousand
#: calls per second on two cores; a held call keeps its deadline, and 10,000
#: small unary requests are a few MB.
GRPC_MAX_PENDING_REQUESTS = 10_000
