"""Human descriptions of instants, intervals and limits."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

WEEKDAY_NAMES = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
"""Indexed by cron day-of-week number (0 = Sunday)."""

_UNITS = (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def format_local(instant: datetime, zone: ZoneInfo) -> str:
    """``2026-11-23 09:00`` (seconds only when non-zero) as wall time in ``zone``."""
    local = instant.astimezone(zone)
    if local.second or local.microsecond:
        return local.isoformat(" ", "seconds")[:19]
    return local.isoformat(" ", "minutes")[:16]


def format_instant(instant: datetime, zone: ZoneInfo) -> str:
    """``2026-11-23 09:00 (Europe/Paris)``."""
    return f"{format_local(instant, zone)} ({zone.key})"


def format_interval(interval: timedelta) -> str:
    """``15 minutes``, ``1 day``, ``90 minutes``, ``1.5 seconds``."""
    micros = interval // timedelta(microseconds=1)
    for name, seconds in _UNITS:
        if micros % (seconds * 1_000_000) == 0:
            count = micros // (seconds * 1_000_000)
            return f"{count} {name}{'' if count == 1 else 's'}"
    return f"{interval.total_seconds():g} seconds"


def format_clock(hour: int, minute: int) -> str:
    """``09:30``."""
    return f"{hour:02d}:{minute:02d}"


def ordinal(day: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``11th``, ``22nd``."""
    if 11 <= day % 100 <= 13:
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


def join_words(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def with_limits(
    base: str, *, max_fires: int | None, end_at: datetime | None, zone: ZoneInfo
) -> str:
    """Append ``, 10 times`` and ``, until 2026-12-31 00:00 (UTC)`` to a description."""
    parts = [base]
    if max_fires is not None:
        parts.append(f"{max_fires} time{'' if max_fires == 1 else 's'}")
    if end_at is not None:
        parts.append(f"until {format_instant(end_at, zone)}")
    return ", ".join(parts)
