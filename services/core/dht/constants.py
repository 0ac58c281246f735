"""Fixed numbers of the DHT layer, each with the reason for its value."""

from __future__ import annotations

#: Length of a Kademlia node id and of a DHT key: SHA-1 sized, as the
#: ``kademlia`` package's ``digest`` and XOR metric assume 160 bits.
NODE_ID_BYTES = 20

#: Largest datagram sent or accepted. rpcudp refuses to send requests over
#: 8192 bytes, so peers running it never send more; checked before any
#: unpacking so an oversized packet costs no CPU.
MAX_DATAGRAM_BYTES = 8192

#: Wire header: one type byte and a 20-byte message id (rpcudp's format).
HEADER_BYTES = 21

#: Largest record the DHT stores or sends. A STORE carries the record plus
#: the rpc name, our node id and the key (about 70 bytes of msgpack); the
#: notes measured 8,000 bytes working and 8,150 failing, so 7,000 leaves
#: room for the envelope with margin.
MAX_RECORD_BYTES = 7000

#: Deepest msgpack nesting accepted. Our deepest legitimate message is a
#: get_providers reply: dict -> list -> node triple, depth 3; 8 leaves
#: headroom while bounding the pure-Python unpacker's recursion.
MAX_MSGPACK_DEPTH = 8

#: Most msgpack objects accepted in one datagram. A find_node reply holds
#: k=20 triples (about 80 objects); a providers reply at most a few hundred.
#: 2,048 bounds unpacking CPU (the notes measured 13.5 ms for 60k items).
MAX_MSGPACK_ITEMS = 2048

#: Longest signer key a get_providers request may name as ``first``: twice
#: an Ed25519 public key (32 bytes), room for any policy's keys, while a
#: request cannot make a holder search by an arbitrarily long value.
MAX_SIGNER_BYTES = 64

#: Most node triples read from one find_* reply: twice k so a reply can
#: never grow a lookup's candidate set unboundedly.
MAX_NODES_PER_REPLY = 40

#: Floor of the adaptive per-peer RPC timeout. One process may run hundreds
#: of nodes on two cores, where a scheduling pause of ~100 ms is normal;
#: below 250 ms live peers would be declared dead and evicted.
RPC_TIMEOUT_FLOOR_S = 0.25

#: How late the stall ticker (``stalls.py``) may fire before the delay is
#: counted as a stall of this node's own event loop, owed back to RPCs in
#: flight: ordinary jitter on a busy loop stays under ~20 ms, while a stall
#: of 50 ms already eats a fifth of the shortest RPC timeout.
STALL_SLACK_S = 0.05

#: Period of the stall ticker: one timer per process (not per node), so 20
#: wake-ups a second; a stall is seen to within one tick.
STALL_TICK_S = 0.05

#: Floor of the "late" threshold in a lookup: a peer that has not answered
#: within max(this, srtt + 4 * rttvar) stops counting against alpha, so the
#: lookup queries the next candidate instead of waiting for it. Loopback
#: round trips are ~1 ms; 50 ms tolerates event-loop jitter.
LATE_FLOOR_S = 0.05

#: Ceiling of the "late" threshold. Being late costs only one more query
#: (a late answer still counts), while waiting costs the caller the whole
#: wait: an estimate inflated by a busy moment, or by a peer that has since
#: died, would otherwise hold a lookup for up to the full RPC timeout. 200 ms
#: is far above loopback and LAN round trips; peers slower than that (long
#: intercontinental paths) just get one extra candidate asked beside them.
LATE_CEILING_S = 0.2

#: Longest a node lookup (the first half of every put) waits, in all, for
#: late peers among the k closest once nothing else is left to ask. Waiting
#: matters under a loaded event loop, where live peers answer in a few
#: hundred ms (RPC_TIMEOUT_FLOOR_S); waiting longer only waits out dead
#: peers' full timeouts, one after another (measured: puts after 30% churn
#: took 2 s at p50 and 4 s at p99 on 200 nodes). A peer cut off this way
#: still answers in time for the next lookup, hand-off or republish.
NODE_LOOKUP_GRACE_S = 0.3

#: Smoothing gains of the RTT estimator, as in RFC 6298 (alpha=1/8, beta=1/4).
RTT_GAIN = 0.125
RTTVAR_GAIN = 0.25

#: Peers whose RTT is remembered; beyond this the least recently used is
#: forgotten, bounding memory whatever the number of peers seen.
RTT_TABLE_MAX = 4096

#: Least time between two liveness pings of a full bucket's head. The bare
#: package pings on every add to a full bucket, which with the replacement
#: cache turned into thousands of pings per second (notes, behaviour 6).
BUCKET_PING_COOLDOWN_S = 5.0

#: Pending newly seen nodes waiting for a hand-off pass; beyond this the
#: oldest is dropped (a joining swarm would otherwise queue every node).
HANDOFF_QUEUE_MAX = 256

#: Records handed off per batch (sent concurrently) and the pause between
#: batches, so a node joining a swarm holding many keys gets them in a
#: bounded trickle (notes, behaviour 8: pushing ~1,000 keys at once took over
#: 130 s). Small because every holder near the newcomer hands off at the same
#: time: 20 holders x 4 = 80 datagrams in flight stays well inside a default
#: 208 KiB socket receive buffer, where 20 x 16 overflowed it on loopback.
HANDOFF_BATCH = 4

#: Newcomers seen within this window (1x to 2x, jittered) share one hand-off
#: pass over the held keys. Lookups keep discovering nodes, and each pass
#: costs a routing-table walk per held key: at 0.2 s the passes took a
#: quarter of a 200-node swarm's CPU; a second or two of hand-off delay is
#: harmless (puts reach the k closest directly, republishing repairs).
HANDOFF_DEBOUNCE_S = 1.0

#: Socket receive buffer asked for (the kernel caps it at net.core.rmem_max):
#: bursts of replies to alpha-parallel lookups and hand-offs must not be
#: dropped by the kernel while the event loop is busy.
SOCKET_RCVBUF_BYTES = 4 * 1024 * 1024

#: Most datagrams read from one socket per wake-up of the event loop. One
#: per wake-up (asyncio's transport) leaves answers unread for many passes
#: of a busy loop; 64 drains an ordinary burst (a put's k answers) at once
#: while a flooded socket still yields the loop between batches.
UDP_READ_BATCH = 64

#: Datagrams held for sending while the kernel's send buffer is full; past
#: this they are dropped, as the network would (UDP is lossy, RPCs retry).
UDP_SEND_QUEUE_MAX = 4096

#: Keys examined between two yields to the event loop while deciding
#: hand-offs, so a store of many keys never blocks the loop for long.
HANDOFF_SCAN_CHUNK = 64

#: Concurrent push-back stores after a get (records sent to holders that
#: returned a worse record or none), so a read never fans out unboundedly.
PUSHBACK_MAX = 3

#: A node takes a STORE of a key it does not hold only when the key is
#: within this many times its own neighbourhood radius (the distance to its
#: k-th closest known node). With ids spread uniformly, that radius is
#: where the k closest nodes of any point lie; a key's real holders sit
#: within about 1x of it (the estimate varies by ~25% at k=20), so 2x
#: refuses only nodes far outside every estimate of the neighbourhood.
RESPONSIBLE_RADIUS_FACTOR = 2

#: How long the neighbourhood radius is reused before it is computed again
#: (one walk of the routing table): it moves only as the table fills.
RADIUS_CACHE_S = 1.0

#: Valid answers a freshness check of a newly stored key gathers (and its
#: lookup's parallelism). A replayed old version lands at the edge of the
#: key's neighbourhood, whose closest known nodes hold the current one: in
#: a healthy swarm one round of 3 RPCs (Kademlia's alpha) settles it, and
#: only 3 valid old answers in a row (hostile replayers nearest the key)
#: can fool it.
FRESHNESS_FANOUT = 3

#: Most RPCs one freshness check sends: two rounds of FRESHNESS_FANOUT.
#: In a healthy swarm the first round settles it; the second gets past
#: forgers or nodes without the key among the nearest, and the bound keeps
#: checks a small share of what the writes that set them off cost.
FRESHNESS_MAX_RPCS = 6

#: Wait between taking a new key from a STORE and checking it: a replay is
#: typically sent while the newer version is still being written, and a
#: check that ran first would find the newer version nowhere yet.
FRESHNESS_DELAY_S = 1.0

#: Freshness checks waiting at most; beyond this offers are dropped. A
#: newcomer handed a large store's keys would otherwise queue them all;
#: the check is a repair, reads select the best version anyway.
FRESHNESS_QUEUE_MAX = 1024

#: Reason strings sent in refusals; fixed words, never exception text, so a
#: reply leaks nothing about the node's internals.
REFUSED_INVALID = "invalid"
REFUSED_STALE = "stale"
REFUSED_FULL = "full"
REFUSED_ERROR = "error"
REFUSED_UNKNOWN = "unknown-rpc"

#: Version of the routing-table state file, so a future format can be told
#: apart and an unknown one ignored rather than misread.
STATE_VERSION = 1

#: Unknown peers that sent us a request and are being pinged back before
#: they may enter the routing table. A peer joins the table only by
#: answering from the address it claims, so junk or spoofed datagrams that
#: carry a well-formed id never make it a contact; the bound keeps a flood
#: of such datagrams from turning into a flood of pings.
PROBES_MAX = 64
