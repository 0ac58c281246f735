"""Every fixed number of the content-routing service, each with why its value."""

from __future__ import annotations

# --- RPC limits (content.proto states the same numbers) ------------------------

#: FindProviders, ListContent and DiscoverResources accept at most 1000 per
#: call: a page stays a few hundred kilobytes, far below the message limit.
MAX_LIMIT = 1000
#: FindProviders with limit 0 sends 20: Kademlia's k, more than a client
#: tries before it finds a working provider.
DEFAULT_PROVIDER_LIMIT = 20
#: ListContent and DiscoverResources with limit 0 send 100: one screenful.
DEFAULT_PAGE_LIMIT = 100
#: DiscoverResources takes at most 16 filters, the number of attributes a
#: resource may carry (content.proto).
MAX_FILTERS = 16

# --- Announcements --------------------------------------------------------------

#: Provide refuses records issued further than this from the service clock:
#: the HashTimer time is the record's issued_at, so an announcement must be
#: placed in the timeline at about the time it is made. Five minutes is the
#: clock skew the record layer allows (docs/records.md).
MAX_ANNOUNCE_SKEW_US = 300 * 1_000_000
#: Domain prefix of the HashTimer payload of an announcement, so that the
#: same fields can never give the HashTimer of another kind of object.
ANNOUNCE_TIMER_DOMAIN = b"ipndht-announce-v1\x00"

# --- Timeline index ---------------------------------------------------------------

#: Bytes of entries one index page may hold: a record is at most 7000 bytes
#: encoded; the envelope (keys, signature, times, key text) takes about 200,
#: so 6400 leaves a safe margin and fits 30 to 45 entries.
INDEX_PAGE_BUDGET_BYTES = 6400
#: Most pages one signer writes under one base key (a time bucket or a
#: resource type): 4096 pages of about 40 entries bound a bucket to about
#: 160,000 announcements per content service, far above any real rate.
MAX_INDEX_PAGES = 4096
#: Concurrent DHT reads while reading index pages: enough to hide lookup
#: latency without flooding the overlay from one RPC.
INDEX_READ_CONCURRENCY = 16
#: Time buckets one ListContent call may visit in the DHT before it returns a
#: (possibly short) page with a token to continue: bounds the work of one
#: call over a huge window; the client pages on, nothing is refused.
MAX_BUCKETS_PER_CALL = 256
#: Time buckets one ListContent call reads at once (each read itself runs up
#: to INDEX_READ_CONCURRENCY lookups): 256 empty buckets then cost 32
#: lookup latencies instead of 256, and at most 128 lookups are in flight.
BUCKET_READ_CONCURRENCY = 8
#: A bucket read from the DHT is marked complete in Redis for this long;
#: afterwards it is read from the DHT again, which also repairs a mirror that
#: missed a write while Redis was down.
BUCKET_MARKER_TTL_S = 600.0
#: A bucket read from the DHT is reused for this long by the same service
#: (dropped at once when this service adds to it): a client paging through
#: a large bucket without Redis costs one DHT read, not one per page, while
#: entries from other services show up at most two seconds late.
BUCKET_MEMO_US = 2_000_000
#: Buckets remembered that way; each is at most one bucket's entries.
BUCKET_MEMO_MAX = 64
#: Entries fetched from the Redis sorted set per round trip (a page needs
#: at most MAX_LIMIT plus the entries sharing the cursor's microsecond).
ZSET_BATCH = 512
#: Version byte of the page token layout, so a later layout can tell old
#: tokens apart and refuse them with a clear message.
TOKEN_VERSION = 1

# --- Cache ----------------------------------------------------------------------

#: FindProviders answers cached in Redis live this long; a Provide or
#: StopProviding through any content service deletes the entry at once, so
#: this only bounds staleness from writes made straight into the DHT.
PROVIDER_CACHE_TTL_S = 60.0
#: Same for DiscoverResources answers of one type.
RESOURCE_CACHE_TTL_S = 60.0

# --- Republishing -------------------------------------------------------------

#: Records are stored again when a quarter of their lifetime has passed since
#: the last store (48 h default: every 12 h), well before expiry even if a
#: few rounds fail.
REPUBLISH_FRACTION = 0.25
#: Pause between rounds of the republish loop: a round is one SQLite query
#: when nothing is due, and 30 s is tiny against any record lifetime.
REPUBLISH_POLL_S = 30.0

# --- Handle registry client ---------------------------------------------------------

#: Longest wait for the handle registry's Resolve: a Provide naming a handle
#: fails with UNAVAILABLE rather than hanging when the registry is down.
HANDLE_RESOLVE_TIMEOUT_S = 3.0
