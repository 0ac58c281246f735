"""Every fixed number and name of the handle registry, each with why its value."""

from __future__ import annotations

#: Namespace of handle records in the DHT (docs/records.md).
NAMESPACE = "handle"

#: Redis kinds (the cache adds the ``ipndht:`` prefix): the current record of
#: a handle, the claim of one (handle, seq) by one registry, the handles an
#: owner key holds, and the handle an alias points at.
KIND_RECORD = "handle"
KIND_CLAIM = "handle-claim"
KIND_OWNER = "handle-owner"
KIND_ALIAS = "handle-alias"

#: Redis pub/sub channel on which every registry announces each accepted
#: write, so the others drop their in-process copy of that handle.
INVALIDATION_CHANNEL = "ipndht:handles:invalidate"

#: How long a claim of (handle, seq) is held: long enough for the winner to
#: store its record in the DHT and the cache (a few seconds at worst), short
#: enough that a registry that crashed mid-write blocks nobody for long.
CLAIM_TTL_S = 60.0

#: How long a registry waits for Redis to answer a claim before it falls back
#: to the DHT check, even while its cache circuit is open: a claim read as
#: "Redis down" while another registry's claim went through lets both accept
#: one step, which is worse than a write that waits. On loopback or a closed
#: port a dead Redis fails at once; only an unreachable host costs the wait.
CLAIM_WAIT_S = 1.0

#: Longest a record stays in Redis: never past the record's own expiry, and
#: at most an hour so that a record replaced while a cache write was lost
#: does not linger.
CACHE_TTL_S = 3600.0

#: Longest an answer stays in the in-process cache even when no invalidation
#: arrives: a backstop for a lost pub/sub message; invalidations normally
#: arrive within milliseconds.
HOT_MAX_AGE_S = 30.0

#: Entries of the in-process cache before it is emptied and refilled: 100k
#: answers are a few tens of MB, and a full clear is cheaper than LRU
#: bookkeeping on every hit.
HOT_MAX_ENTRIES = 100_000

#: Pause before re-subscribing after the invalidation channel drops; while it
#: is down the in-process cache is bypassed, so this only costs speed.
SUBSCRIBE_RETRY_S = 0.5

#: Longest a publish of an invalidation may take before it is given up: the
#: cache timeout of DESIGN.md (no RPC waits more than ~100 ms on Redis).
PUBLISH_TIMEOUT_S = 0.1

#: BatchResolve limits (handles.proto).
MAX_BATCH = 100

#: GetHistory page sizes (handles.proto): 0 means the default.
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

#: Longest Resolve query accepted (handles.proto).
MAX_QUERY_BYTES = 256

#: Hex digits of a raw Ed25519 public key query.
PUBLIC_KEY_HEX_LEN = 64

#: Clock skew tolerated between an owner's clock and the registry's when a
#: record's lifetime is checked against the registration period.
PERIOD_SLACK_US = 5 * 60 * 1_000_000

#: Most handles returned for one public-key query: a key owning more is
#: answered with the first ones in name order (keeps the reply small).
MAX_OWNED_HANDLES = 100

#: Registrar key file name under the service's data directory.
REGISTRAR_KEY_FILE = "registrar.key"

#: SQLite file of accepted records and history.
STORE_FILE = "handles.sqlite3"
