"""How long this process's event loop has been held up, in all.

An RPC's deadline is a time on the event loop's clock, but the peer's
answer is read only when the loop gets to it: while the loop is held (a long
callback, a GC pause, the process descheduled by a busy host) answers pile
up unread in the socket buffers, and asyncio reads one datagram per socket
per pass, so the backlog takes a while to drain after. Timers that fire
then would blame peers for this node's own stall: every RPC in flight would
fail at once, live peers would leave the routing table and a put could
find no holder at all.

``LoopStalls`` is one ticker per event loop, shared by every node on it. It
counts the time each tick came later than due (beyond ``STALL_SLACK_S`` of
ordinary jitter) into ``total``; an RPC or a lookup notes ``total`` when it
starts and is owed, later, whatever the total grew by meanwhile.
"""

from __future__ import annotations

import asyncio
import weakref

from services.core.dht.constants import STALL_SLACK_S, STALL_TICK_S


class LoopStalls:
    """Stall time of one event loop; get it with ``acquire``, give it back with ``release``."""

    _by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopStalls] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        #: Seconds the loop was held past ordinary jitter since the ticker started.
        self.total = 0.0
        self._users = 0
        self._due = 0.0
        self._timer: asyncio.TimerHandle | None = None

    @classmethod
    def acquire(cls, loop: asyncio.AbstractEventLoop) -> LoopStalls:
        """The running loop's ticker, started on first use."""
        stalls = cls._by_loop.get(loop)
        if stalls is None:
            stalls = cls._by_loop[loop] = cls(loop)
        if stalls._users == 0:
            stalls._schedule()
        stalls._users += 1
        return stalls

    def release(self) -> None:
        """One user less; the last one stops the ticker (``total`` is kept)."""
        self._users = max(0, self._users - 1)
        if self._users == 0 and self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def since(self, mark: float) -> float:
        """Stall time since ``total`` read ``mark``, counting a stall under way
        now that the ticker has not seen yet (its tick is overdue)."""
        overdue = self._loop.time() - self._due
        pending = overdue if self._timer is not None and overdue > STALL_SLACK_S else 0.0
        return self.total - mark + pending

    def _schedule(self) -> None:
        self._due = self._loop.time() + STALL_TICK_S
        self._timer = self._loop.call_at(self._due, self._tick)

    def _tick(self) -> None:
        late = self._loop.time() - self._due
        if late > STALL_SLACK_S:
            self.total += late
        self._schedule()
