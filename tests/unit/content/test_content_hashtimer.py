"""HashTimer: creation, parsing, validation and time ordering."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.content import hashtimer
from services.core.errors import InvalidArgument


def test_hex_form_is_14_time_digits_then_50_digest_digits() -> None:
    timer = hashtimer.create(1_700_000_000_000_000, b"payload")
    assert len(timer.hex) == 64
    assert int(timer.hex[:14], 16) == 1_700_000_000_000_000
    assert hashtimer.parse(timer.hex) == timer
    assert hashtimer.verify(timer, b"payload")
    assert not hashtimer.verify(timer, b"other")


@given(
    st.lists(
        st.tuples(st.integers(0, hashtimer.MAX_TIME_US), st.binary(max_size=16)),
        min_size=2,
        max_size=20,
    )
)
def test_text_order_is_time_order(items: list[tuple[int, bytes]]) -> None:
    """Sorting HashTimer texts sorts their times."""
    timers = [hashtimer.create(t, p) for t, p in items]
    by_text = sorted(timers, key=lambda h: h.hex)
    assert [h.time_us for h in by_text] == sorted(t for t, _ in items)
    assert sorted(timers) == by_text


def test_range_bounds_enclose_every_timer_of_that_time() -> None:
    timer = hashtimer.create(42, b"x")
    assert hashtimer.lowest(42) <= timer.hex <= hashtimer.highest(42)
    assert hashtimer.highest(41) < timer.hex < hashtimer.lowest(43)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("00", "64 hex digits"), ("G" * 64, "lower-case hex"), ("A" * 64, "lower-case hex")],
)
def test_bad_text_is_refused_with_reason(text: str, fragment: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        hashtimer.parse(text)
    assert fragment in str(info.value)


def test_time_out_of_range_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        hashtimer.create(hashtimer.MAX_TIME_US + 1, b"")
