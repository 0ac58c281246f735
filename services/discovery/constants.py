"""Fixed numbers of the discovery service, each with why its value."""

from __future__ import annotations

#: Default UDP port of an ipndht DHT node (DESIGN.md: discovery's DHT port),
#: used for a DNS seed answered with A/AAAA records only (no SRV port).
DEFAULT_DHT_PORT = 8468

#: SRV name prefix of a DNS seed domain: ``_ipndht._udp.<domain>`` (RFC 2782
#: service and protocol labels; the DHT speaks UDP).
SRV_PREFIX = "_ipndht._udp."

#: Longest a DNS seed query may take: a seed is a fallback, and a slow
#: resolver must not hold start-up for longer than a few RPC timeouts.
DNS_TIMEOUT_S = 2.0

#: Addresses taken from one DNS seed domain: enough to meet any sensible
#: min_peers, few enough that a hostile seed cannot flood the book.
DNS_MAX_ADDRESSES = 32

#: Peers the book holds: far more than a routing table of k=20 per bucket
#: ever uses, small enough that a full scan per ListPeers stays under 1 ms.
MAX_PEERS = 4096

#: AddPeers entries per request (the contract says 1..64).
ADD_PEERS_MAX = 64

#: ListPeers page size limit and default (the contract says 1..1000, 0 = 100).
PAGE_SIZE_MAX = 1000
PAGE_SIZE_DEFAULT = 100

#: GetBootstrapPeers limit and default (the contract says 1..256, 0 = 16).
BOOTSTRAP_LIMIT_MAX = 256
BOOTSTRAP_LIMIT_DEFAULT = 16

#: Longest host name (RFC 1035: 253 bytes in text form) and label.
HOST_MAX_BYTES = 253
LABEL_MAX_BYTES = 63

#: Longest RegisterNode service name (the contract says 64 bytes).
SERVICE_NAME_MAX_BYTES = 64

#: Kademlia node ids are SHA-1 sized.
NODE_ID_BYTES = 20

#: Longest page token accepted: a real one is under 200 characters, so
#: anything far longer is garbage and is refused before decoding.
PAGE_TOKEN_MAX_CHARS = 512

#: Events queued per WatchPeers subscriber before it is dropped as too slow:
#: a burst of a full bootstrap (a few hundred peers) fits; a stuck client
#: cannot make the server hold more than this per stream.
WATCH_QUEUE_MAX = 1024

#: Score weights (docs/discovery.md "Scoring"): reliability is worth up to
#: 100 points, each consecutive failure costs 15 (three failures, the default
#: eviction point, outweigh a perfect record), and round-trip time costs one
#: point per 20 ms up to 2 s so that among reliable peers the near ones win.
SCORE_RELIABILITY = 100.0
SCORE_PER_FAILURE = 15.0
SCORE_RTT_MS_PER_POINT = 20.0
SCORE_RTT_CAP_MS = 2000.0

#: Weight of a new RTT sample in the smoothed RTT (TCP's SRTT uses 1/8).
RTT_ALPHA = 0.125

#: Redis: the sorted set of peers by score, and one value per peer, shared by
#: the three services (kind "peer"). Entries live a day: a cache, not a source
#: of truth, refreshed at every flush.
REDIS_KIND = "peer"
REDIS_INDEX_KEY = "index"
REDIS_TTL_S = 24 * 3600.0

#: Peers read back from Redis at a cold start: enough to join, bounded.
REDIS_LOAD_MAX = 256

#: Seconds between refresh attempts while below min_peers (after the first):
#: often enough to recover within a minute, rare enough not to hammer DNS.
SHORT_REFRESH_MIN_S = 5.0
SHORT_REFRESH_MAX_S = 60.0

#: How often the start-up join checks whether min_peers is met while it waits
#: for the DNS seed delay.
JOIN_POLL_S = 0.1

#: Peer exchange joining (services/discovery/join.py): first and longest
#: pause between attempts to reach discovery, and the deadline of one call.
JOIN_RETRY_MIN_S = 0.2
JOIN_RETRY_MAX_S = 10.0
JOIN_CALL_TIMEOUT_S = 3.0

#: Peers a joining service asks discovery for.
JOIN_BOOTSTRAP_LIMIT = 16

#: ListPeers replies kept per book version: the book changes at most once
#: per ping round, while readers (dashboards, other services) ask the same
#: few pages many times in between; 64 distinct pages bound the memory.
LIST_CACHE_PAGES = 64
