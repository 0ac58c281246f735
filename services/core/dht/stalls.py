"""How long this process's event loop has been held up, in all.

An RPC's deadline is a time on the event loop's clock, but the peer's
answer is read only when the loop gets to it: while the loop is held (a long
callback, a GC pause, the process descheduled by a busy host) answers pile
up unread in the socket buffers. Timers that fire then would blame peers
for this node's own stall: every RPC in flight would fail at once, live
peers would leave the routing table and a put could find no holder at all.

``LoopStalls`` is one ticker per event loop, shared by every node on it. It
counts the time each tick came later than due (beyond ``STALL_SLACK_S`` of
ordinary jitter) into its total; an RPC or a lookup takes a ``mark()`` when
it starts and is owed, later, the stall time ``since(mark)``.
"""

from __future__ import annotations

import asyncio

from services.core.dht.constants import STALL_SLACK_S, STALL_TICK_S


class LoopStalls:
    """Stall time of one event loop; get it with ``acquire``, give it back with ``release``."""

    #: The ticker of each loop with at least one user.
    _by_loop: dict[asyncio.AbstractEventLoop, LoopStalls] = {}

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        #: Seconds the loop was held past ordinary jitter since the ticker started.
        self.total = 0.0
        self._users = 0
        self._due = 0.0
        self._timer: asyncio.TimerHandle | None = None

    @classmethod
    def acquire(cls, loop: asyncio.AbstractEventLoop) -> LoopStalls:
        """The loop's ticker, started by its first user."""
        stalls = cls._by_loop.get(loop)
        if stalls is None:
            stalls = cls._by_loop[loop] = cls(loop)
            stalls._schedule()
        stalls._users += 1
        return stalls

    def release(self) -> None:
        """One user less; the last one stops the ticker and forgets the loop."""
        self._users -= 1
        if self._users > 0:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if LoopStalls._by_loop.get(self._loop) is self:
            del LoopStalls._by_loop[self._loop]

    def _pending(self) -> float:
        """A stall under way now that the ticker has not counted yet (its tick is overdue)."""
        if self._timer is None:
            return 0.0
        overdue = self._loop.time() - self._due
        return overdue if overdue > STALL_SLACK_S else 0.0

    def mark(self) -> float:
        """Where the count stands now, a stall just ended included: what
        happens from here on is measured by ``since``."""
        return self.total + self._pending()

    def since(self, mark: float) -> float:
        """Stall time since ``mark()`` gave ``mark``."""
        return max(0.0, self.total + self._pending() - mark)

    def _schedule(self) -> None:
        self._due = self._loop.time() + STALL_TICK_S
        self._timer = self._loop.call_at(self._due, self._tick)

    def _tick(self) -> None:
        late = self._loop.time() - self._due
        if late > STALL_SLACK_S:
            self.total += late
        self._schedule()
