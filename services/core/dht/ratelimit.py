"""Per-source token buckets for inbound datagrams, with bounded memory."""

from __future__ import annotations

import time
from collections import OrderedDict


class SourceRateLimiter:
    """A token bucket per source; the least recently seen source is forgotten
    once ``max_sources`` are tracked, so a spoofing flood cannot grow memory."""

    def __init__(self, rate_per_s: float, burst: float, max_sources: int) -> None:
        self._rate = rate_per_s
        self._burst = burst
        self._max = max_sources
        # source -> (tokens, last refill time)
        self._buckets: OrderedDict[object, tuple[float, float]] = OrderedDict()

    def allow(self, source: object, now: float | None = None) -> bool:
        """Take one token for ``source``; False when it has none left."""
        t = time.monotonic() if now is None else now
        entry = self._buckets.pop(source, None)
        if entry is None:
            tokens = self._burst
        else:
            tokens = min(self._burst, entry[0] + (t - entry[1]) * self._rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets[source] = (tokens, t)
        if len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        return allowed

    def __len__(self) -> int:
        return len(self._buckets)
