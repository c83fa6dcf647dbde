"""How the dashboard writes times, durations, JSON and links (Jinja2 filters and globals)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from runagent_pulse.timespec import TimespecError, dst_note


def iso(at: datetime) -> str:
    """The instant in UTC, as ISO 8601 (what the browser's script reads)."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def in_zone(at: datetime, zone: str = "UTC") -> str:
    """``Tue 06 Jan 09:30 CET`` in ``zone`` (UTC when the zone is unknown); the year is
    written when it is not this one."""
    try:
        tz = ZoneInfo(zone)
    except (ValueError, KeyError, OSError):
        tz = ZoneInfo("UTC")
    local = at.astimezone(tz)
    year = f" {local.year}" if local.year != datetime.now(UTC).year else ""
    return f"{local:%a %d %b}{year} {local:%H:%M} {local.tzname() or zone}"


def _span(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 60:
        return f"{int(seconds)} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 2 * 86400:
        hours, rest = divmod(int(seconds), 3600)
        minutes = rest // 60
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{int(seconds // 86400)} days"


def relative(at: datetime, now: datetime) -> str:
    """``in 4 min``, ``3 h ago``, ``just now``."""
    delta = (at - now).total_seconds()
    if abs(delta) < 5:
        return "just now"
    return f"in {_span(delta)}" if delta > 0 else f"{_span(delta)} ago"


def duration(milliseconds: float | None) -> str:
    """``350 ms``, ``1.2 s``, ``2 min 3 s``."""
    if milliseconds is None:
        return "—"
    if milliseconds < 1000:
        return f"{milliseconds:.0f} ms"
    seconds = milliseconds / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    return _span(seconds)


def seconds(value: float | None) -> str:
    """A timeout or window in words: ``1 h``, ``10 min``."""
    return "—" if value is None else (duration(value * 1000) if value < 60 else _span(value))


def lag(later: datetime | None, earlier: datetime | None) -> str:
    """How much later ``later`` was than ``earlier`` (a run's start after its fire)."""
    if later is None or earlier is None:
        return "—"
    return duration((later - earlier).total_seconds() * 1000)


def pretty(value: Any) -> str:
    """JSON, indented, for a ``<pre>`` (autoescaped like any text)."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)


def note(at: datetime, zone: str) -> str | None:
    """The DST remark on a fire, if any."""
    try:
        return dst_note(at, zone)
    except TimespecError:
        return None


def link(path: str, **params: Any) -> str:
    """``path`` with the non-empty ``params`` as its query."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{path}?{query}" if query else path


FILTERS = {
    "iso": iso,
    "in_zone": in_zone,
    "relative": relative,
    "duration": duration,
    "seconds": seconds,
    "pretty": pretty,
    "dst_note": note,
}
GLOBALS = {"link": link, "lag": lag}
