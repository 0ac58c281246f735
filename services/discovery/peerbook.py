"""PeerBook: every peer discovery knows, with liveness, score and events.

The book is the one owner of peer state. It is updated by the liveness
pinger (``record_success`` / ``record_failure``), by the sources (``learn``)
and by clean-up (``evict_dead``), and publishes JOINED / LEFT / UPDATED
events on its hub. Readers get copies.
"""

from __future__ import annotations

from collections.abc import Iterable

from services.core.errors import ResourceExhausted
from services.discovery import constants as k
from services.discovery.events import EventHub, PeerEvent
from services.discovery.model import (
    Address,
    EventKind,
    Peer,
    Source,
    State,
    format_address,
    now_us,
    ranking,
    smooth_rtt,
)


class PeerBook:
    """Known peers keyed by ``host:port``; see the module docstring."""

    def __init__(
        self,
        max_failures: int,
        hub: EventHub | None = None,
        capacity: int = k.MAX_PEERS,
        own: Address | None = None,
    ) -> None:
        self.max_failures = max_failures
        self.hub = hub if hub is not None else EventHub()
        self.capacity = capacity
        self.own = own
        self._peers: dict[str, Peer] = {}
        #: Bumped on every change; readers key their caches on it.
        self.version = 0
        self._snapshot: tuple[int, list[Peer]] = (-1, [])

    def __len__(self) -> int:
        return len(self._peers)

    # -- reading ------------------------------------------------------------------

    def get(self, host: str, port: int) -> Peer | None:
        peer = self._peers.get(format_address(host, port))
        return None if peer is None else peer.copy()

    def by_node_id(self, node_id: bytes) -> Peer | None:
        found = [p for p in self._peers.values() if p.node_id == node_id]
        if not found:
            return None
        return min(found, key=ranking).copy()

    def ranked(self, sources: Iterable[Source] = (), states: Iterable[State] = ()) -> list[Peer]:
        """Read-only snapshots of the peers matching the filters, best first."""
        want_sources, want_states = set(sources), set(states)
        return [
            p
            for p in self._sorted()
            if (not want_sources or p.source in want_sources)
            and (not want_states or p.state in want_states)
        ]

    def _sorted(self) -> list[Peer]:
        """Snapshots of every peer, best first, computed once per version.
        Readers share them and must not change them (the book's own entries
        are separate objects)."""
        version, peers = self._snapshot
        if version != self.version:
            peers = sorted((p.copy() for p in self._peers.values()), key=ranking)
            self._snapshot = (self.version, peers)
        return peers

    def live(self) -> list[Peer]:
        return self.ranked(states=(State.LIVE,))

    def live_count(self) -> int:
        return sum(1 for p in self._peers.values() if p.state == State.LIVE)

    def addresses(self) -> list[Address]:
        return [p.address for p in self._sorted()]

    def count_by_source(self) -> dict[Source, int]:
        counts = dict.fromkeys(Source, 0)
        for p in self._peers.values():
            counts[p.source] += 1
        return counts

    def count_by_state(self) -> dict[State, int]:
        counts = dict.fromkeys(State, 0)
        for p in self._peers.values():
            counts[p.state] += 1
        return counts

    # -- writing ------------------------------------------------------------------

    def learn(self, host: str, port: int, source: Source, node_id: bytes = b"") -> Peer:
        """Add a peer (state SUSPECT until it answers) or return the known one.

        The first source is kept. Raises ResourceExhausted when the book is
        full and no dead or suspect peer can make room.
        """
        key = format_address(host, port)
        held = self._peers.get(key)
        if held is not None:
            if node_id and held.node_id != node_id:
                held.node_id = node_id
                self._changed()
                self._emit(EventKind.UPDATED, held)
            return held.copy()
        if len(self._peers) >= self.capacity and not self._make_room():
            raise ResourceExhausted(f"the peer book is full ({self.capacity} peers, all live)")
        peer = Peer(host=host, port=port, source=source, node_id=node_id, first_seen_us=now_us())
        peer.rescore()
        self._peers[key] = peer
        self._changed()
        return peer.copy()

    def restore(self, peer: Peer) -> bool:
        """Put back a peer read from the cache (state SUSPECT until pinged)."""
        if peer.key in self._peers or len(self._peers) >= self.capacity:
            return False
        if self.own is not None and peer.address == self.own:
            return False
        peer = peer.copy()
        peer.state = State.SUSPECT
        peer.rescore()
        self._peers[peer.key] = peer
        self._changed()
        return True

    def record_success(self, host: str, port: int, node_id: bytes, rtt_ms: float) -> Peer | None:
        peer = self._peers.get(format_address(host, port))
        if peer is None:
            return None
        was = peer.state
        changed_id = bool(node_id) and peer.node_id != node_id
        peer.node_id = node_id or peer.node_id
        peer.state = State.LIVE
        peer.failures = 0
        peer.successes += 1
        peer.last_seen_us = now_us()
        peer.rtt_ms = round(smooth_rtt(peer.rtt_ms, rtt_ms), 3)
        peer.rescore()
        self._changed()
        if was != State.LIVE:
            self._emit(EventKind.JOINED, peer)
        elif changed_id:
            self._emit(EventKind.UPDATED, peer)
        return peer.copy()

    def record_failure(self, host: str, port: int) -> Peer | None:
        peer = self._peers.get(format_address(host, port))
        if peer is None:
            return None
        was = peer.state
        peer.failures += 1
        peer.total_failures += 1
        peer.state = State.DEAD if peer.failures >= self.max_failures else State.SUSPECT
        peer.rescore()
        self._changed()
        if was == State.LIVE:
            self._emit(EventKind.LEFT, peer)
        elif was != peer.state:
            self._emit(EventKind.UPDATED, peer)
        return peer.copy()

    def evict_dead(self) -> list[Peer]:
        """Remove peers that failed ``max_failures`` pings in a row (stale-peer clean-up)."""
        dead = [p for p in self._peers.values() if p.state == State.DEAD]
        for peer in dead:
            del self._peers[peer.key]
            self._changed()
            self._emit(EventKind.LEFT, peer)
        return [p.copy() for p in dead]

    def _make_room(self) -> bool:
        candidates = [p for p in self._peers.values() if p.state != State.LIVE]
        if not candidates:
            return False
        worst = max(candidates, key=ranking)
        del self._peers[worst.key]
        self._changed()
        self._emit(EventKind.LEFT, worst)
        return True

    def _changed(self) -> None:
        self.version += 1

    def _emit(self, kind: EventKind, peer: Peer) -> None:
        self.hub.publish(PeerEvent(kind, peer.copy(), now_us()))
