"""LoopStalls: one ticker per event loop counts the time the loop was held
past ordinary jitter; an RPC or lookup is owed what accrued since its mark."""

from __future__ import annotations

import asyncio
import time

from services.core.dht.constants import STALL_TICK_S
from services.core.dht.stalls import LoopStalls


def hold_loop(seconds: float) -> None:
    """Block the event loop, as a long callback or a GC pause would."""
    time.sleep(seconds)


async def test_a_blocked_loop_is_counted_as_stalled() -> None:
    stalls = LoopStalls.acquire(asyncio.get_running_loop())
    try:
        await asyncio.sleep(STALL_TICK_S * 2)
        mark = stalls.mark()
        hold_loop(0.3)  # the loop is held: nothing runs
        assert 0.2 < stalls.since(mark) < 0.5  # seen before the ticker's next tick
        await asyncio.sleep(STALL_TICK_S * 2)
        assert 0.2 < stalls.total - mark < 0.5
        assert 0.2 < stalls.since(mark) < 0.5  # not counted twice
    finally:
        stalls.release()


async def test_a_mark_taken_just_after_a_stall_is_not_owed_that_stall() -> None:
    """An RPC sent after the loop was held, before the ticker ran, must not be
    credited with the stall (its round trip would be measured as ~0)."""
    stalls = LoopStalls.acquire(asyncio.get_running_loop())
    try:
        await asyncio.sleep(STALL_TICK_S * 2)
        hold_loop(0.3)
        mark = stalls.mark()
        await asyncio.sleep(STALL_TICK_S * 2)
        assert stalls.since(mark) < 0.05
    finally:
        stalls.release()


async def test_an_idle_loop_accrues_no_stall() -> None:
    """Ticks coming on time add nothing (a scheduling hiccup of a loaded host
    may add a little; ticking periods counted as stalls would add 0.3 s)."""
    stalls = LoopStalls.acquire(asyncio.get_running_loop())
    try:
        mark = stalls.mark()
        await asyncio.sleep(STALL_TICK_S * 6)
        assert stalls.since(mark) < 0.15
    finally:
        stalls.release()


async def test_nodes_on_one_loop_share_one_ticker_stopped_by_the_last_release() -> None:
    loop = asyncio.get_running_loop()
    first, second = LoopStalls.acquire(loop), LoopStalls.acquire(loop)
    assert first is second
    first.release()
    assert second._timer is not None
    second.release()
    assert second._timer is None
    assert loop not in LoopStalls._by_loop  # the loop is not kept alive
    mark = second.mark()
    hold_loop(0.1)
    assert second.since(mark) == 0.0  # no ticker, no stall counted
