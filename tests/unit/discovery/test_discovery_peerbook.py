"""PeerBook: liveness transitions, events, eviction, capacity and ordering."""

from __future__ import annotations

import pytest

from services.core.errors import ResourceExhausted
from services.discovery.events import EventHub, Subscription
from services.discovery.model import EventKind, Source, State, compute_score
from services.discovery.peerbook import PeerBook

ID = bytes(range(20))


class _Seen:
    """The events a book published, read from a real subscription."""

    def __init__(self, sub: Subscription) -> None:
        self.sub = sub

    def kinds(self) -> list[EventKind]:
        out: list[EventKind] = []
        while not self.sub.queue.empty():
            out.append(self.sub.queue.get_nowait().kind)
        return out


def _book(max_failures: int = 2, capacity: int = 100) -> tuple[PeerBook, _Seen]:
    hub = EventHub()
    return PeerBook(max_failures, hub, capacity=capacity), _Seen(hub.subscribe())


def test_new_peer_is_suspect_until_it_answers_then_joined() -> None:
    """A learnt peer is SUSPECT; its first answer makes it LIVE with one JOINED event."""
    book, seen = _book()
    peer = book.learn("127.0.0.1", 4000, Source.MANUAL)
    assert peer.state == State.SUSPECT and book.live_count() == 0
    book.record_success("127.0.0.1", 4000, ID, 2.0)
    book.record_success("127.0.0.1", 4000, ID, 2.0)
    assert book.live_count() == 1 and seen.kinds() == [EventKind.JOINED]
    assert book.by_node_id(ID) is not None


def test_live_peer_failing_gives_left_then_evicted_after_max_failures() -> None:
    """LIVE -> one failure: LEFT (SUSPECT); max failures: DEAD; clean-up evicts it."""
    book, seen = _book(max_failures=2)
    book.learn("127.0.0.1", 4000, Source.MANUAL)
    book.record_success("127.0.0.1", 4000, ID, 1.0)
    assert book.record_failure("127.0.0.1", 4000).state == State.SUSPECT  # type: ignore[union-attr]
    assert book.record_failure("127.0.0.1", 4000).state == State.DEAD  # type: ignore[union-attr]
    assert [p.key for p in book.evict_dead()] == ["127.0.0.1:4000"]
    assert len(book) == 0
    assert seen.kinds() == [EventKind.JOINED, EventKind.LEFT, EventKind.UPDATED, EventKind.LEFT]


def test_first_source_is_kept() -> None:
    """Learning a known peer again does not change where it came from."""
    book, _ = _book()
    book.learn("127.0.0.1", 4000, Source.BOOTSTRAP)
    assert book.learn("127.0.0.1", 4000, Source.DNS_SEED).source == Source.BOOTSTRAP


def test_full_book_drops_the_worst_non_live_peer_or_refuses() -> None:
    """At capacity a SUSPECT peer makes room; with every peer LIVE, learning refuses."""
    book, _ = _book(capacity=2)
    book.learn("127.0.0.1", 1, Source.MANUAL)
    book.learn("127.0.0.1", 2, Source.MANUAL)
    book.record_success("127.0.0.1", 1, ID, 1.0)
    book.learn("127.0.0.1", 3, Source.MANUAL)
    assert book.get("127.0.0.1", 2) is None and len(book) == 2
    book.record_success("127.0.0.1", 3, bytes(20), 1.0)
    with pytest.raises(ResourceExhausted, match="full"):
        book.learn("127.0.0.1", 4, Source.MANUAL)


def test_ranked_orders_by_score_and_filters() -> None:
    """Reliable, near peers rank first; filters by source and state apply."""
    book, _ = _book()
    for port, rtt in ((1, 50.0), (2, 5.0)):
        book.learn("127.0.0.1", port, Source.MANUAL)
        book.record_success("127.0.0.1", port, bytes([port]) * 20, rtt)
    book.learn("127.0.0.1", 3, Source.CACHE)
    book.record_failure("127.0.0.1", 3)
    assert [p.port for p in book.ranked()] == [2, 1, 3]
    assert [p.port for p in book.ranked(states=[State.SUSPECT])] == [3]
    assert [p.port for p in book.ranked(sources=[Source.MANUAL])] == [2, 1]


def test_score_rewards_success_and_punishes_failures_and_latency() -> None:
    """The score grows with successes and falls with failures and round-trip time."""
    assert compute_score(10, 0, 0, 10) > compute_score(1, 0, 0, 10)
    assert compute_score(10, 1, 1, 10) < compute_score(10, 0, 0, 10)
    assert compute_score(10, 0, 0, 500) < compute_score(10, 0, 0, 10)
    assert compute_score(0, 0, 0, 1e9) == compute_score(0, 0, 0, 2000)


def test_snapshots_change_with_the_book_version() -> None:
    """ranked() reflects every change (its snapshot is rebuilt per version)."""
    book, _ = _book()
    book.learn("127.0.0.1", 1, Source.MANUAL)
    before = book.version
    assert book.ranked()[0].state == State.SUSPECT
    book.record_success("127.0.0.1", 1, ID, 1.0)
    assert book.version > before and book.ranked()[0].state == State.LIVE
