"""Per-source token buckets and adaptive per-peer timeouts (behaviours 4 and 7)."""

from __future__ import annotations

from services.core.dht.constants import LATE_CEILING_S, LATE_FLOOR_S
from services.core.dht.ratelimit import SourceRateLimiter
from services.core.dht.rtt import RttTable


def test_flooding_source_is_throttled_while_others_pass() -> None:
    """After its burst a source is refused; another source is still served."""
    limiter = SourceRateLimiter(rate_per_s=10, burst=20, max_sources=100)
    allowed = sum(limiter.allow("flood", now=0.0) for _ in range(1000))
    assert allowed == 20
    assert limiter.allow("honest", now=0.0)
    assert limiter.allow("flood", now=1.0)  # refilled at the sustained rate


def test_rate_limiter_memory_is_bounded() -> None:
    """A million spoofed sources never grow the table beyond its bound."""
    limiter = SourceRateLimiter(rate_per_s=10, burst=20, max_sources=100)
    for i in range(10_000):
        limiter.allow(("10.0.0.1", i), now=0.0)
    assert len(limiter) == 100


def test_timeout_adapts_to_measured_rtt_within_bounds() -> None:
    """Unknown peers get the ceiling; fast peers a short timeout (not below the floor)."""
    rtt = RttTable(ceiling_s=1.0, floor_s=0.25)
    peer = ("127.0.0.1", 1)
    assert rtt.timeout(peer) == 1.0
    for _ in range(10):
        rtt.sample(peer, 0.002)
    assert rtt.timeout(peer) == 0.25
    assert rtt.late_after(peer) < 0.1
    rtt.sample(("127.0.0.1", 2), 0.4)
    assert 0.4 < rtt.timeout(("127.0.0.1", 2)) <= 1.0


def test_failure_backs_off_the_timeout_but_makes_the_peer_late_at_once() -> None:
    """A timeout doubles the hard timeout (bounded by the ceiling), and until the
    peer answers again a lookup does not wait for it at all; its next answer
    starts the estimate afresh."""
    rtt = RttTable(ceiling_s=1.0, floor_s=0.01)
    peer = ("127.0.0.1", 1)
    rtt.sample(peer, 0.1)
    before = rtt.timeout(peer)
    rtt.failure(peer)
    assert rtt.timeout(peer) > before
    assert rtt.late_after(peer) == 0.0
    rtt.sample(peer, 0.002)
    assert rtt.timeout(peer) == 0.01
    assert rtt.late_after(peer) == LATE_FLOOR_S


def test_an_unknown_peer_that_times_out_is_late_at_once() -> None:
    """A peer first met through a timeout is remembered as silent until it answers."""
    rtt = RttTable(ceiling_s=1.0, floor_s=0.25)
    peer = ("127.0.0.1", 1)
    rtt.failure(peer)
    assert rtt.late_after(peer) == 0.0
    assert rtt.timeout(peer) == 1.0
    rtt.sample(peer, 0.002)
    assert rtt.late_after(peer) == LATE_FLOOR_S


def test_silent_unknown_peers_never_push_out_measured_ones() -> None:
    """Timeouts of thousands of never-measured addresses (ping-backs to spoofed
    sources) leave the estimates of measured peers in place."""
    rtt = RttTable(ceiling_s=1.0, floor_s=0.01, max_peers=100)
    for i in range(50):
        rtt.sample(("127.0.0.1", i), 0.002)
    for i in range(10_000):
        rtt.failure(("10.0.0.1", i))
    assert all(rtt.known(("127.0.0.1", i)) for i in range(50))
    assert rtt.late_after(("10.0.0.1", 9_999)) == 0.0


def test_late_threshold_of_an_unknown_peer_is_capped_too() -> None:
    """However high the timeout floor is set, an unmeasured peer holds a
    lookup no longer than LATE_CEILING_S."""
    rtt = RttTable(ceiling_s=5.0, floor_s=2.0)
    assert rtt.late_after(("127.0.0.1", 1)) == LATE_CEILING_S


def test_late_threshold_is_capped_whatever_the_estimate() -> None:
    """An estimate inflated by a busy moment never holds a lookup longer than
    LATE_CEILING_S, though the hard timeout still follows it."""
    rtt = RttTable(ceiling_s=1.0, floor_s=0.25)
    peer = ("127.0.0.1", 1)
    rtt.sample(peer, 0.6)
    assert rtt.late_after(peer) == LATE_CEILING_S
    assert rtt.timeout(peer) == 1.0


def test_rtt_table_is_bounded() -> None:
    rtt = RttTable(ceiling_s=1.0, floor_s=0.01, max_peers=10)
    for i in range(100):
        rtt.sample(("127.0.0.1", i), 0.01)
    assert sum(rtt.known(("127.0.0.1", i)) for i in range(100)) == 10


def test_an_unmeasured_peer_is_expected_to_answer_like_the_others() -> None:
    """Before any sample the late threshold of an unknown peer is half the
    timeout floor; once peers have answered it follows their pooled estimate
    (kept within the late floor and ceiling), so a dead stranger costs a
    lookup what a live peer would, not a fixed guess."""
    rtt = RttTable(ceiling_s=1.0, floor_s=0.25)
    stranger = ("127.0.0.1", 99)
    assert rtt.late_after(stranger) == 0.125
    for i in range(20):
        rtt.sample(("127.0.0.1", i), 0.002)
    assert rtt.late_after(stranger) == LATE_FLOOR_S
    for i in range(50):
        rtt.sample(("127.0.0.1", i), 0.09)
    assert LATE_FLOOR_S < rtt.late_after(stranger) <= LATE_CEILING_S
    assert rtt.timeout(stranger) == 1.0
