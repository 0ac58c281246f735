"""The peer event hub (bounded queues, slow watchers dropped) and page tokens."""

from __future__ import annotations

import asyncio

import pytest

from services.core.errors import InvalidArgument, ResourceExhausted
from services.discovery.events import EventHub, PeerEvent
from services.discovery.model import EventKind, Peer, Source
from services.discovery.paging import Cursor, PageTokens, filter_digest


def _event(kind: EventKind = EventKind.JOINED, port: int = 1) -> PeerEvent:
    return PeerEvent(kind, Peer("127.0.0.1", port, Source.MANUAL), 0)


async def test_slow_watcher_is_dropped_and_others_keep_receiving() -> None:
    """A watcher whose queue fills is closed with ResourceExhausted; a fast one
    keeps every event; publishing never blocks."""
    hub = EventHub(queue_size=3)
    slow = hub.subscribe()
    fast = hub.subscribe()
    got: list[PeerEvent] = []
    for port in range(10):
        hub.publish(_event(port=port))
        got.append(await fast.next())
    assert len(got) == 10 and len(hub) == 1
    with pytest.raises(ResourceExhausted, match="behind"):
        await slow.next()


async def test_kind_filter_and_wakeup() -> None:
    """A watcher gets only its kinds, and wakes as soon as one is published."""
    hub = EventHub()
    sub = hub.subscribe([EventKind.LEFT])
    waiter = asyncio.ensure_future(sub.next())
    hub.publish(_event(EventKind.JOINED))
    hub.publish(_event(EventKind.LEFT, port=7))
    event = await asyncio.wait_for(waiter, 1)
    assert event.kind == EventKind.LEFT and event.peer.port == 7
    sub.close()
    assert len(hub) == 0


def test_token_round_trip_and_tampering() -> None:
    """A token gives back its cursor; altered, foreign or garbage tokens are refused."""
    tokens = PageTokens(b"k" * 32)
    digest = filter_digest([1], [])
    token = tokens.issue(Cursor(42.5, "ab|127.0.0.1:1"), digest)
    assert tokens.check(token, digest) == Cursor(42.5, "ab|127.0.0.1:1")
    with pytest.raises(InvalidArgument, match="filters"):
        tokens.check(token, filter_digest([2], []))
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    for bad in (flipped, "", "%%%", "A" * 1000, PageTokens(b"x" * 32).issue(Cursor(1, ""), digest)):
        with pytest.raises(InvalidArgument):
            tokens.check(bad, digest)
