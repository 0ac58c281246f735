"""Times and durations typed on the ipndht command line."""

from __future__ import annotations

import pytest

from ipndht_client.cli_times import format_time, parse_duration, parse_time

NOW = 1_700_000_000_000_000  # 2023-11-14T22:13:20Z in microseconds


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-11-14T22:13:20Z", NOW),
        ("2023-11-14T22:13:20+00:00", NOW),
        ("2023-11-15T00:13:20+02:00", NOW),
        ("2023-11-14T22:13:20", NOW),  # no offset: UTC
        ("2023-11-14T22:13:20.5Z", NOW + 500_000),
        ("2023-11-14", NOW - (22 * 3600 + 13 * 60 + 20) * 1_000_000),
    ],
)
def test_iso_times_are_read_with_utc_for_a_missing_offset(text: str, expected: int) -> None:
    assert parse_time(text, now=0) == expected


def test_unix_seconds_are_read_with_a_fraction() -> None:
    assert parse_time("1700000000", now=0) == NOW
    assert parse_time("1700000000.25", now=0) == NOW + 250_000


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("30m", 1800), ("1h", 3600), ("2d", 172_800), ("1w", 604_800)],
)
def test_relative_times_count_back_from_now(text: str, seconds: int) -> None:
    assert parse_time(text, now=NOW) == NOW - seconds * 1_000_000
    assert parse_time(f"{text} ago", now=NOW) == NOW - seconds * 1_000_000


def test_relative_parts_combine_and_now_is_now() -> None:
    assert parse_time("1h30m", now=NOW) == NOW - 5400 * 1_000_000
    assert parse_time("now", now=NOW) == NOW
    assert parse_time(" NOW ", now=NOW) == NOW


def test_a_relative_time_before_the_epoch_is_the_epoch() -> None:
    assert parse_time("1w", now=5) == 0


@pytest.mark.parametrize("text", ["", "yesterday", "1y", "h1", "-1h", "12:00", "1e9", "١٢٣"])
def test_bad_times_say_which_forms_are_accepted(text: str) -> None:
    with pytest.raises(ValueError, match="is not a time: use ISO-8601"):
        parse_time(text, now=NOW)


def test_times_before_1970_are_refused() -> None:
    with pytest.raises(ValueError, match="before 1970"):
        parse_time("1969-12-31T00:00:00Z", now=NOW)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("3600", 3600), ("48h", 172_800), ("1d12h", 129_600), ("90S", 90), ("1w", 604_800)],
)
def test_durations_are_seconds_or_unit_sums(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "0s", "soon", "1.5h", "-5", "5 m"])
def test_bad_or_empty_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_format_time_is_iso_utc_and_blank_for_unset() -> None:
    assert format_time(NOW) == "2023-11-14T22:13:20Z"
    assert format_time(0) == ""
    assert parse_time(format_time(NOW), now=0) == NOW
