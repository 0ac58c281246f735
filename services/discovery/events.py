"""In-process pub/sub of peer events with bounded per-subscriber queues.

Publishing never blocks and never grows memory without bound: a subscriber
whose queue is full is dropped (its stream ends with ResourceExhausted, so
the client reconnects with ``include_current``); the others are untouched.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

from services.core.errors import ResourceExhausted
from services.discovery import constants as k
from services.discovery.model import EventKind, Peer


@dataclass(frozen=True, slots=True)
class PeerEvent:
    kind: EventKind
    peer: Peer
    at_us: int


class Subscription:
    """One watcher's queue; iterate it to receive events."""

    def __init__(self, hub: EventHub, kinds: frozenset[EventKind], size: int) -> None:
        self._hub = hub
        self.kinds = kinds
        self.queue: asyncio.Queue[PeerEvent] = asyncio.Queue(maxsize=size)
        self.overflowed = asyncio.Event()

    def offer(self, event: PeerEvent) -> None:
        if self.kinds and event.kind not in self.kinds:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed.set()
            self._hub.unsubscribe(self)

    async def next(self) -> PeerEvent:
        """The next event; ResourceExhausted once this watcher fell too far behind."""
        if self.overflowed.is_set():
            raise ResourceExhausted(
                f"peer event stream fell more than {self.queue.maxsize} events behind "
                "and was closed; watch again with include_current"
            )
        getter = asyncio.ensure_future(self.queue.get())
        dropped = asyncio.ensure_future(self.overflowed.wait())
        try:
            await asyncio.wait({getter, dropped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            dropped.cancel()
            if not getter.done():
                getter.cancel()
        if getter.done() and not getter.cancelled():
            return getter.result()
        return await self.next()

    def close(self) -> None:
        self._hub.unsubscribe(self)


class EventHub:
    """Fan-out of peer events to every subscriber."""

    def __init__(self, queue_size: int = k.WATCH_QUEUE_MAX) -> None:
        self._subs: set[Subscription] = set()
        self._queue_size = queue_size

    def __len__(self) -> int:
        return len(self._subs)

    def subscribe(self, kinds: Iterable[EventKind] = ()) -> Subscription:
        sub = Subscription(self, frozenset(kinds), self._queue_size)
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)

    def publish(self, event: PeerEvent) -> None:
        for sub in list(self._subs):
            sub.offer(event)


async def iterate(sub: Subscription) -> AsyncIterator[PeerEvent]:
    """Events of ``sub`` until the caller stops; unsubscribes at the end."""
    try:
        while True:
            yield await sub.next()
    finally:
        sub.close()
