"""Per-peer round-trip estimates (RFC 6298 style) for adaptive timeouts.

Two thresholds come from one estimate: the hard timeout of an RPC (when the
peer is given up and leaves the routing table) and the "late" threshold of
a lookup (when it stops waiting and asks the next candidate). A timeout
backs off the hard timeout, as RFC 6298 does, but makes the peer late at
once: a peer that did not answer its last RPC is most likely gone, and a
lookup that meets it again (other nodes keep returning dead contacts) still
asks it, in case it is back, without holding a slot for it. Its next answer
starts the estimate afresh, since the old one described the peer before
whatever made it fall silent.
"""

from __future__ import annotations

from collections import OrderedDict

from services.core.dht.constants import (
    LATE_CEILING_S,
    LATE_FLOOR_S,
    RTT_GAIN,
    RTT_TABLE_MAX,
    RTTVAR_GAIN,
)

Address = tuple[str, int]


def _smoothed(old: tuple[float, float] | None, rtt_s: float) -> tuple[float, float]:
    """(srtt, rttvar) after one sample, as RFC 6298; the first sample starts it."""
    if old is None:
        return rtt_s, rtt_s / 2
    srtt, var = old
    var = (1 - RTTVAR_GAIN) * var + RTTVAR_GAIN * abs(srtt - rtt_s)
    return (1 - RTT_GAIN) * srtt + RTT_GAIN * rtt_s, var


class RttTable:
    """Smoothed RTT and its variance per peer address, bounded in size."""

    def __init__(self, ceiling_s: float, floor_s: float, max_peers: int = RTT_TABLE_MAX) -> None:
        self._ceiling = ceiling_s
        self._floor = floor_s
        self._max = max_peers
        # Per peer: smoothed RTT, its variance, and whether the last RPC timed out.
        self._peers: OrderedDict[Address, tuple[float, float, bool]] = OrderedDict()
        # Peers never measured whose last RPC timed out (bounded, oldest out).
        self._silent: OrderedDict[Address, None] = OrderedDict()
        # Smoothed RTT and variance over every sample: what an unmeasured peer
        # is expected to take (it tracks this node's own load too).
        self._all: tuple[float, float] | None = None

    def _put(self, peer: Address, entry: tuple[float, float, bool]) -> None:
        self._peers[peer] = entry
        if len(self._peers) > self._max:
            self._peers.popitem(last=False)

    def sample(self, peer: Address, rtt_s: float) -> None:
        """Record one measured round trip."""
        self._silent.pop(peer, None)
        self._all = _smoothed(self._all, rtt_s)
        old = self._peers.pop(peer, None)
        srtt, var = _smoothed(None if old is None or old[2] else (old[0], old[1]), rtt_s)
        self._put(peer, (srtt, var, False))

    def failure(self, peer: Address) -> None:
        """A timeout: back off this peer's hard timeout (doubling, as RFC
        6298) and count it late at once until it answers again. A peer never
        measured goes to a separate, smaller table, so silence from addresses
        that never answered (ping-backs to spoofed sources) cannot push the
        estimates of real peers out."""
        old = self._peers.pop(peer, None)
        if old is None:
            self._silent[peer] = None
            self._silent.move_to_end(peer)
            if len(self._silent) > self._max // 4:
                self._silent.popitem(last=False)
        else:
            self._put(peer, (min(old[0] * 2, self._ceiling), old[1], True))

    def timeout(self, peer: Address) -> float:
        """Hard timeout of one RPC to ``peer``: srtt + 4 * rttvar, bounded."""
        est = self._peers.get(peer)
        if est is None:
            return self._ceiling
        return max(self._floor, min(self._ceiling, est[0] + 4 * est[1]))

    def late_after(self, peer: Address) -> float:
        """When a lookup stops waiting on ``peer`` and asks another candidate:
        at once when its last RPC timed out; for a peer never measured, as
        for the pooled estimate of all peers (half the timeout floor before
        any sample)."""
        est = self._peers.get(peer)
        if est is None:
            if peer in self._silent:
                return 0.0
            if self._all is None:
                return min(LATE_CEILING_S, max(LATE_FLOOR_S, self._floor / 2))
            est = (*self._all, False)
        if est[2]:
            return 0.0
        return max(LATE_FLOOR_S, min(LATE_CEILING_S, 2 * est[0] + 4 * est[1]))

    def known(self, peer: Address) -> bool:
        return peer in self._peers
