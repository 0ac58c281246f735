"""Times and durations typed on the command line.

A point in time (``content list --since/--until``) may be written as

- ISO-8601: ``2025-01-31``, ``2025-01-31T12:00``, ``2025-01-31T12:00:00+02:00``,
  ``...Z``; a time without an offset is UTC, so a command means the same
  thing on every machine;
- Unix seconds: ``1738324800`` or ``1738324800.25``;
- relative, meaning that long ago: ``90s``, ``30m``, ``1h``, ``2d``, ``1w``,
  combined as ``1h30m``, optionally followed by `` ago``;
- ``now``.

A duration (``--ttl``, ``--period``) is written like a relative time
(``48h``, ``1d12h``) or as plain seconds (``3600``).

Everything is returned in microseconds since the Unix epoch (times) or whole
seconds (durations), the units of the protos. Bad text raises ``ValueError``
with a message that shows the accepted forms.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

#: Seconds in each relative unit; weeks are the largest unit people use for
#: listing windows and TTLs (months and years have no fixed length).
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}

_PART = re.compile(r"(\d+)([smhdw])")
_RELATIVE = re.compile(r"(?:\d+[smhdw])+")
_UNIX = re.compile(r"\d+(?:\.\d+)?")

TIME_FORMS = "ISO-8601 (2025-01-31T12:00:00Z), unix seconds (1738324800), relative (30m, 1h, 2d)"
DURATION_FORMS = "seconds (3600) or a duration (90s, 30m, 48h, 1d12h, 1w)"


def now_us() -> int:
    return time.time_ns() // 1_000


def _relative_seconds(text: str) -> int | None:
    if not _RELATIVE.fullmatch(text):
        return None
    return sum(int(n) * UNIT_SECONDS[unit] for n, unit in _PART.findall(text))


def parse_duration(text: str) -> int:
    """Whole seconds of ``text`` ("3600", "30m", "1d12h"); must be above 0."""
    cleaned = text.strip().lower()
    seconds = int(cleaned) if cleaned.isascii() and cleaned.isdigit() else None
    if seconds is None:
        seconds = _relative_seconds(cleaned)
    if seconds is None:
        raise ValueError(f"{text!r} is not a duration: use {DURATION_FORMS}")
    if seconds <= 0:
        raise ValueError(f"{text!r}: a duration must be longer than 0 seconds")
    return seconds


def parse_time(text: str, *, now: int | None = None) -> int:
    """Microseconds since the epoch of ``text``; relative forms count back
    from ``now`` (microseconds, default the current time)."""
    current = now_us() if now is None else now
    cleaned = text.strip().lower()
    if cleaned == "now":
        return current
    relative = cleaned.removesuffix("ago").strip()
    seconds = _relative_seconds(relative)
    if seconds is not None:
        return max(0, current - seconds * 1_000_000)
    if cleaned.isascii() and _UNIX.fullmatch(cleaned):
        whole, _, fraction = cleaned.partition(".")
        return int(whole) * 1_000_000 + int((fraction + "000000")[:6])
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a time: use {TIME_FORMS}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    micros = int(moment.timestamp()) * 1_000_000 + moment.microsecond
    if micros < 0:
        raise ValueError(f"{text!r} is before 1970, the start of the timeline")
    return micros


def format_time(micros: int) -> str:
    """``micros`` as ISO-8601 UTC to the second ("" for 0, meaning unset)."""
    if micros <= 0:
        return ""
    moment = datetime.fromtimestamp(micros / 1_000_000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
