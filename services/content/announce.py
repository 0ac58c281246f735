"""The HashTimer of an announcement, derived from its signed record.

A provider signs its record itself, so the service cannot write a HashTimer
into it. Instead the HashTimer is a function of the signed fields that anyone
can recompute:

    time    = record.issued_at_us
    payload = "ipndht-announce-v1" 0x00 || namespace || 0x00 || signer || key
              || u64(seq)
    timer   = hashtimer.create(time, payload)

A client may put exactly this HashTimer into ``ProviderRecord.hash_timer``
before signing (the SDK does); any other value there is refused.
"""

from __future__ import annotations

from services.content import hashtimer
from services.content.constants import ANNOUNCE_TIMER_DOMAIN
from services.core.records.model import Record


def timer_of_fields(
    namespace: str, signer: bytes, key: bytes, seq: int, issued_at_us: int
) -> hashtimer.HashTimer:
    """The HashTimer of an announcement from its fields (before signing)."""
    payload = (
        ANNOUNCE_TIMER_DOMAIN + namespace.encode() + b"\x00" + signer + key + seq.to_bytes(8, "big")
    )
    return hashtimer.create(issued_at_us, payload)


def timer_for(record: Record) -> hashtimer.HashTimer:
    """The HashTimer of the announcement made by ``record``."""
    return timer_of_fields(
        record.namespace, record.signer, record.key, record.seq, record.issued_at_us
    )
