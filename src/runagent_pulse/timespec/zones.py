"""Time zones and wall-clock resolution (the DST policy for fixed wall times)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from runagent_pulse.timespec.errors import TimespecError


@functools.cache
def _zone_names_by_lower() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def load_zone(name: str) -> ZoneInfo:
    """Return the IANA zone ``name`` or raise TimespecError (field ``timezone``)."""
    if not isinstance(name, str) or not name.strip():
        raise TimespecError(
            f"timezone must be an IANA zone name such as 'UTC' or 'Europe/Paris', got {name!r}",
            field="timezone",
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        hint = ""
        suggestion = _zone_names_by_lower().get(name.strip().lower())
        if suggestion is not None:
            hint = f" (did you mean {suggestion!r}?)"
        raise TimespecError(
            f"unknown timezone {name!r}{hint}; use an IANA zone name such as 'UTC', "
            "'Europe/Paris' or 'America/New_York'",
            field="timezone",
        ) from exc


def require_aware(value: datetime, name: str) -> datetime:
    """Return ``value`` in UTC; a naive datetime is a programming error (ValueError)."""
    if value.__class__ is datetime and value.tzinfo is UTC:
        return value  # already UTC: the common case, without converting it again
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def resolve_wall(naive: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall time ``naive`` in ``zone``.

    A wall time inside a spring-forward gap resolves to the first instant after the gap (the
    transition itself); a wall time that occurs twice (fall-back) resolves to its first occurrence.
    """
    first = naive.replace(tzinfo=zone, fold=0)
    as_utc = first.astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) == naive.replace(tzinfo=None):
        return as_utc
    # In a gap: fold=0 and fold=1 use the offsets before and after the transition; the transition
    # instant lies between the two readings. Binary-search it to the second.
    other = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = sorted((int(as_utc.timestamp()), int(other.timestamp())))
    offset_before = datetime.fromtimestamp(low, zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == offset_before:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def dst_note(instant: datetime, timezone: str) -> str | None:
    """What a fire at ``instant`` has to do with a DST change in ``timezone``, if anything: its
    wall time occurs twice that day (a fold), or the clocks jump forward at that instant (a
    fixed wall time inside the skipped hour fires then)."""
    zone = load_zone(timezone)
    local = require_aware(instant, "instant").astimezone(zone)
    wall = local.replace(tzinfo=None)
    other = wall.replace(tzinfo=zone, fold=1 - local.fold)
    if other.utcoffset() != local.utcoffset():
        which = "first" if local.fold == 0 else "second"
        return (
            f"{wall:%H:%M} occurs twice on {wall:%Y-%m-%d} in {timezone} (clocks go back); "
            f"this is the {which} time"
        )
    before = datetime.fromtimestamp(instant.timestamp() - 1, zone).utcoffset()
    after = local.utcoffset()
    if before is not None and after is not None and after > before:
        skipped = int((after - before).total_seconds() // 60)
        return (
            f"clocks go forward {skipped} min at this instant in {timezone}: a wall time in "
            "the skipped span fires here, at the first instant after it"
        )
    return None
