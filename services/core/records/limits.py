"""Every fixed number of the signed-record layer, each with why its value.

docs/records.md is the language-neutral statement of the same numbers; a
change here is a protocol change and needs a new vector file.
"""

from __future__ import annotations

# --- Signing -----------------------------------------------------------------

#: Domain-separation prefix of the canonical signing bytes (then one 0x00
#: byte): a record signature can never be replayed as a signature of any
#: other message type of this or another protocol using the same keys.
SIGNING_PREFIX = b"ipndht-record-v1\x00"

#: Domain-separation prefix of the countersigning bytes (then one 0x00 byte),
#: so that a countersignature can never pass for a record signature.
COUNTERSIGNING_PREFIX = b"ipndht-countersign-v1\x00"

#: Ed25519 public keys and private seeds are 32 bytes (RFC 8032).
PUBLIC_KEY_BYTES = 32

#: Ed25519 signatures are 64 bytes (RFC 8032).
SIGNATURE_BYTES = 64

#: Loaded public-key objects kept for verification: verification is on the
#: hot path (every STORE and every read) while the set of active signers is
#: small; 4096 objects cost well under a megabyte.
PUBLIC_KEY_CACHE_SIZE = 4096

#: Successful verifications remembered (32-byte fingerprints): one lookup
#: collects the same record from up to k=20 holders, and hot records are
#: read again and again; 16384 fingerprints cost about 2 MB.
VERIFIED_CACHE_SIZE = 16384

# --- Envelope ----------------------------------------------------------------

#: Largest encoded record: the kademlia package refuses datagrams over 8192
#: bytes (KADEMLIA_NOTES.md: 8,000-byte values worked, 8,150 failed); 7000
#: leaves room for the 21-byte header, msgpack framing and the node id.
MAX_RECORD_BYTES = 7000

#: Longest namespace name (common.proto: "lower case ASCII, at most 32 bytes").
MAX_NAMESPACE_BYTES = 32

#: Longest record key (common.proto); the longest built-in key, a resource
#: "<type>/<id>", is 64 + 1 + 128 = 193 bytes.
MAX_KEY_BYTES = 256

#: Most countersignatures on one record (common.proto): a registrar needs
#: one; a few more allow key rotation without letting a record grow
#: unbounded with endorsements.
MAX_COUNTERSIGNATURES = 4

#: How far in the future issued_at may lie: five minutes of clock skew
#: between a signer and a node, the usual bound for signed tokens.
MAX_CLOCK_SKEW_US = 300 * 1_000_000

#: Largest value of the u64 fields (seq and timestamps).
MAX_U64 = 2**64 - 1

#: Largest length that fits the u32 length prefixes of the canonical bytes.
MAX_U32 = 2**32 - 1

# --- Lifetimes ---------------------------------------------------------------

_DAY_US = 86_400 * 1_000_000

#: Handles are registered for a period (a year by default) and renewed
#: before expiry; two years allows renewing early without losing time.
HANDLE_MAX_TTL_US = 730 * _DAY_US

#: Providers and resources are republished by their publisher; a week
#: bounds how long a vanished publisher keeps being advertised, and matches
#: the kademlia package's own storage TTL.
PROVIDER_MAX_TTL_US = 7 * _DAY_US
RESOURCE_MAX_TTL_US = 7 * _DAY_US

#: Peer records describe a live node's address, which changes with restarts
#: and DHCP leases; a day keeps stale addresses short-lived.
PEER_MAX_TTL_US = 1 * _DAY_US

# --- Set namespaces ----------------------------------------------------------

#: Most provider records kept per content hash (one per provider key): a
#: popular hash cannot fill a node's store, and 64 providers are more than
#: a client tries before it finds a working one.
PROVIDER_SET_CAP = 64

#: Most resource records kept per "<type>/<id>" (one per announcer), for
#: the same reason as PROVIDER_SET_CAP.
RESOURCE_SET_CAP = 64

# --- Payload limits (the proto comments state the same numbers) ----------------

#: Longest handle ("@" + label + ".ipn"): labels stay short enough to type
#: and to display.
MAX_HANDLE_BYTES = 64

#: Most addresses in a handle or provider record, and the longest one: a
#: few transports per node, each a URL or host:port.
MAX_ADDRESSES = 8
MAX_ADDRESS_BYTES = 256

#: Handle metadata: at most 16 entries, keys at most 64 bytes, 1024 bytes of
#: keys and values in all (handles.proto), so a handle stays a small record.
MAX_HANDLE_METADATA_ENTRIES = 16
MAX_HANDLE_METADATA_KEY_BYTES = 64
MAX_HANDLE_METADATA_TOTAL_BYTES = 1024

#: Content digests: SHA2-256 and BLAKE3 are both 32 bytes.
DIGEST_BYTES = 32

#: HashTimer hex: 14 hex digits of time then 50 of digest (common.proto).
HASH_TIMER_HEX_CHARS = 64
HASH_TIMER_TIME_HEX_CHARS = 14

#: Resource type and id lengths and data size (content.proto).
MAX_RESOURCE_TYPE_BYTES = 64
MAX_RESOURCE_ID_BYTES = 128
MAX_RESOURCE_DATA_BYTES = 4096
MAX_RESOURCE_ATTRIBUTES = 16
MAX_RESOURCE_ATTRIBUTE_KEY_BYTES = 64
MAX_RESOURCE_ATTRIBUTE_VALUE_BYTES = 256

#: Kademlia node ids are SHA-1 sized.
NODE_ID_BYTES = 20

#: Longest DNS host name (RFC 1035), which also covers IPv6 literals.
MAX_HOST_BYTES = 253
