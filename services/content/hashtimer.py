"""HashTimer: identifiers that sort by time.

A HashTimer is 32 bytes: 7 bytes of microseconds since the Unix epoch
(big-endian, so times up to year 4253 fit) followed by the first 25 bytes of
a BLAKE3 digest of the domain prefix ``ipndht-hashtimer-v1\\0``, the 8-byte
big-endian time and the payload. Its text form is 64 lower-case hex digits:
14 of time then 50 of digest (IPPAN's form), so sorting the text sorts by
time, and by digest within one microsecond.
"""

from __future__ import annotations

from dataclasses import dataclass

import blake3

from services.core.errors import InvalidArgument

#: Bytes of the time prefix: 56 bits of microseconds reach year 4253.
TIME_BYTES = 7
#: Bytes of digest kept: 200 bits keep collisions out of reach while the
#: whole identifier stays 32 bytes.
DIGEST_BYTES = 25
HEX_LEN = 2 * (TIME_BYTES + DIGEST_BYTES)
MAX_TIME_US = (1 << (8 * TIME_BYTES)) - 1
DOMAIN = b"ipndht-hashtimer-v1\x00"
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True, order=True)
class HashTimer:
    """A parsed HashTimer; ordering is by time, then digest."""

    time_us: int
    digest: bytes

    @property
    def hex(self) -> str:
        return self.time_us.to_bytes(TIME_BYTES, "big").hex() + self.digest.hex()

    def __str__(self) -> str:
        return self.hex


def create(time_us: int, payload: bytes) -> HashTimer:
    """The HashTimer of ``payload`` announced at ``time_us``."""
    if not 0 <= time_us <= MAX_TIME_US:
        raise InvalidArgument(f"HashTimer time {time_us} is outside 0..{MAX_TIME_US} microseconds")
    digest = blake3.blake3(DOMAIN + time_us.to_bytes(8, "big") + payload).digest()
    return HashTimer(time_us, digest[:DIGEST_BYTES])


def parse(text: str) -> HashTimer:
    """Parse the 64-hex-digit form; InvalidArgument says what is wrong."""
    if len(text) != HEX_LEN:
        raise InvalidArgument(f"a HashTimer has {HEX_LEN} hex digits, got {len(text)}")
    if not set(text) <= _HEX:
        raise InvalidArgument("a HashTimer is lower-case hex (0-9, a-f)")
    split = 2 * TIME_BYTES
    return HashTimer(int(text[:split], 16), bytes.fromhex(text[split:]))


def verify(timer: HashTimer, payload: bytes) -> bool:
    """True when ``timer`` is the HashTimer of ``payload`` at its own time."""
    return create(timer.time_us, payload) == timer


def lowest(time_us: int) -> str:
    """The smallest HashTimer text at ``time_us`` (a range bound)."""
    return time_us.to_bytes(TIME_BYTES, "big").hex() + "0" * (2 * DIGEST_BYTES)


def highest(time_us: int) -> str:
    """The largest HashTimer text at ``time_us`` (a range bound)."""
    return time_us.to_bytes(TIME_BYTES, "big").hex() + "f" * (2 * DIGEST_BYTES)
