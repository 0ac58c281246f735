"""Per-peer round-trip estimates (RFC 6298 style) for adaptive timeouts."""

from __future__ import annotations

from collections import OrderedDict

from services.core.dht.constants import LATE_FLOOR_S, RTT_GAIN, RTT_TABLE_MAX, RTTVAR_GAIN

Address = tuple[str, int]


class RttTable:
    """Smoothed RTT and its variance per peer address, bounded in size."""

    def __init__(self, ceiling_s: float, floor_s: float, max_peers: int = RTT_TABLE_MAX) -> None:
        self._ceiling = ceiling_s
        self._floor = floor_s
        self._max = max_peers
        self._peers: OrderedDict[Address, tuple[float, float]] = OrderedDict()

    def sample(self, peer: Address, rtt_s: float) -> None:
        """Record one measured round trip."""
        old = self._peers.pop(peer, None)
        if old is None:
            srtt, var = rtt_s, rtt_s / 2
        else:
            srtt, var = old
            var = (1 - RTTVAR_GAIN) * var + RTTVAR_GAIN * abs(srtt - rtt_s)
            srtt = (1 - RTT_GAIN) * srtt + RTT_GAIN * rtt_s
        self._peers[peer] = (srtt, var)
        if len(self._peers) > self._max:
            self._peers.popitem(last=False)

    def failure(self, peer: Address) -> None:
        """A timeout: back off this peer's estimate (doubling, as RFC 6298)."""
        old = self._peers.pop(peer, None)
        if old is not None:
            srtt, var = old
            self._peers[peer] = (min(srtt * 2, self._ceiling), var)

    def timeout(self, peer: Address) -> float:
        """Hard timeout of one RPC to ``peer``: srtt + 4 * rttvar, bounded."""
        est = self._peers.get(peer)
        if est is None:
            return self._ceiling
        return max(self._floor, min(self._ceiling, est[0] + 4 * est[1]))

    def late_after(self, peer: Address) -> float:
        """When a lookup stops waiting on ``peer`` and asks another candidate."""
        est = self._peers.get(peer)
        if est is None:
            return max(LATE_FLOOR_S, self._floor / 2)
        return max(LATE_FLOOR_S, min(self._ceiling, 2 * est[0] + 4 * est[1]))

    def known(self, peer: Address) -> bool:
        return peer in self._peers
