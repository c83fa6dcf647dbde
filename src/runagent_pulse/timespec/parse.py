"""``parse_schedule``: turn ``when`` + ``timezone`` + ``repeat`` into a :class:`Schedule`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from runagent_pulse.timespec.cron import cron_next, looks_like_cron, normalize_cron
from runagent_pulse.timespec.describe import format_instant, format_interval, with_limits
from runagent_pulse.timespec.durations import parse_duration
from runagent_pulse.timespec.errors import TimespecError
from runagent_pulse.timespec.phrases import (
    RECURRING_HELP,
    CronRule,
    IntervalRule,
    parse_day_phrase,
    parse_recurring,
    parse_relative,
)
from runagent_pulse.timespec.schedule import Schedule, ScheduleKind
from runagent_pulse.timespec.suggest import suggest
from runagent_pulse.timespec.zones import load_zone, require_aware, resolve_wall

ACCEPTED_FORMS = (
    "accepted forms: 'now'; 'in 5 minutes', '2 hours from now', 'in 1h30m'; "
    "'today|tonight|tomorrow at 9am|9:30|21:00|noon|midnight'; '[next] monday [at 5pm]'; "
    "'at 5pm'; ISO 8601 ('2026-11-23T09:00:00Z', '2026-11-23 09:00', '2026-11-23'); "
    f"recurring phrases ({RECURRING_HELP}); "
    "cron with 5 fields ('0 9 * * 1-5') or '@hourly|@daily|@weekly|@monthly|@yearly'"
)
MAX_WHEN_LENGTH = 200
_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_REPEAT_KEYS = frozenset({"interval", "times", "until"})

Trigger = datetime | CronRule | IntervalRule | tuple[str, str]


def _parse_iso(text: str, zone: ZoneInfo) -> datetime:
    upper = text.upper()
    try:
        parsed = datetime.fromisoformat(upper)
    except ValueError as exc:
        raise TimespecError(
            f"invalid ISO 8601 date/time {text!r}; expected e.g. '2026-11-23T09:00:00Z', "
            "'2026-11-23T09:00:00+01:00', '2026-11-23 09:00' or '2026-11-23'"
        ) from exc
    if parsed.tzinfo is None:
        return resolve_wall(parsed, zone)  # wall time in the task's zone
    return parsed.astimezone(UTC)


def _interpret(text: str, original: str, zone: ZoneInfo, now: datetime) -> Trigger:
    """A one-off instant, a recurring rule, or ("cron", expr); a refusal says which grammar
    word a misspelt one was probably meant to be."""
    try:
        return _read(text, original, zone, now)
    except TimespecError as exc:
        fixed = suggest(original)
        if fixed is None or exc.field != "when" or "did you mean" in exc.message:
            raise
        raise TimespecError(
            exc.message.replace(f"{original!r}", f"{original!r} (did you mean {fixed!r}?)", 1)
            if f"{original!r}" in exc.message
            else f"{exc.message} (did you mean {fixed!r}?)",
        ) from None


def _read(text: str, original: str, zone: ZoneInfo, now: datetime) -> Trigger:
    if text == "now":
        return now
    if _ISO.fullmatch(original.upper()):  # first: what programs send; nothing else looks like it
        return _parse_iso(original, zone)
    if (instant := parse_relative(text, now)) is not None:
        return instant
    if (rule := parse_recurring(text)) is not None:
        return rule
    if (instant := parse_day_phrase(text, now, zone)) is not None:
        return instant
    if looks_like_cron(text):
        return ("cron", normalize_cron(text))
    raise TimespecError(f"cannot understand when={original!r}; {ACCEPTED_FORMS}")


def _check_future(instant: datetime, now: datetime, original: str, zone: ZoneInfo) -> None:
    if instant < now:
        raise TimespecError(
            f"when={original!r} is in the past: it resolves to {format_instant(instant, zone)} "
            f"= {instant.isoformat()}, and now is {now.isoformat()}; only 'now' may be immediate"
        )


def _parse_until(value: Any, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return resolve_wall(value, zone) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return resolve_wall(datetime.combine(value, datetime.min.time()), zone)
    if not isinstance(value, str) or not _ISO.fullmatch(value.strip().upper()):
        raise TimespecError(
            f"repeat.until {value!r} is not an ISO 8601 date/time; use e.g. "
            "'2026-12-31T18:00:00Z' or '2026-12-31' (midnight in the task timezone)",
            field="repeat",
        )
    try:
        return _parse_iso(value.strip(), zone)
    except TimespecError as exc:
        raise TimespecError(f"repeat.until: {exc.message}", field="repeat") from exc


def _parse_times(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise TimespecError(f"repeat.times {value!r} must be a whole number >= 1", field="repeat")
    return value


def _parse_interval(value: Any) -> timedelta:
    try:
        interval = parse_duration(value, field="repeat")
    except TimespecError as exc:
        raise TimespecError(f"repeat.interval: {exc.message}", field="repeat") from exc
    if interval < timedelta(seconds=1):
        raise TimespecError(
            f"repeat.interval {value!r} is too short; the minimum is 1 second", field="repeat"
        )
    return interval


def parse_schedule(
    when: str,
    *,
    timezone: str = "UTC",
    now: datetime,
    repeat: Mapping[str, Any] | None = None,
) -> Schedule:
    """Interpret ``when`` (and optional ``repeat``) in ``timezone`` as of ``now``.

    Raises TimespecError (field ``when``, ``timezone`` or ``repeat``) for anything it cannot
    interpret without guessing, and for one-off instants in the past (except ``now``).
    """
    zone = load_zone(timezone)
    now = require_aware(now, "now")
    if not isinstance(when, str):
        raise TimespecError(f"when must be a string, got {type(when).__name__}; {ACCEPTED_FORMS}")
    original = " ".join(when.split())
    if not original:
        raise TimespecError(f"when is empty; {ACCEPTED_FORMS}")
    if len(original) > MAX_WHEN_LENGTH:
        raise TimespecError(f"when is longer than {MAX_WHEN_LENGTH} characters")
    if repeat is not None and not isinstance(repeat, Mapping):
        raise TimespecError(
            f"repeat must be an object with interval/times/until, got {type(repeat).__name__}",
            field="repeat",
        )
    repeat = repeat or {}
    unknown = sorted(set(repeat) - _REPEAT_KEYS)
    if unknown:
        raise TimespecError(
            f"unknown repeat key(s) {', '.join(map(repr, unknown))}; "
            "accepted: interval, times, until",
            field="repeat",
        )
    try:
        return _schedule(original, zone, now, repeat)
    except OverflowError as exc:
        raise TimespecError(
            f"when={original!r} reaches past the year 9999, the last Pulse can represent"
        ) from exc


def _schedule(original: str, zone: ZoneInfo, now: datetime, repeat: Mapping[str, Any]) -> Schedule:
    trigger = _interpret(original.lower(), original, zone, now)
    max_fires = _parse_times(repeat["times"]) if repeat.get("times") is not None else None
    end_at = _parse_until(repeat["until"], zone) if repeat.get("until") is not None else None
    has_interval = repeat.get("interval") is not None

    kind: ScheduleKind
    if isinstance(trigger, datetime):
        if original.lower() != "now":
            _check_future(trigger, now, original, zone)
        if not has_interval:
            if max_fires is not None or end_at is not None:
                raise TimespecError(
                    f"repeat.times/until need repeat.interval when when={original!r} is a "
                    "one-off; add e.g. repeat={'interval': '1d', 'times': 10}",
                    field="repeat",
                )
            return Schedule("once", f"once at {format_instant(trigger, zone)}", zone.key, trigger)
        interval = _parse_interval(repeat["interval"])
        base = f"every {format_interval(interval)}"
        kind, first, cron, step = "interval", trigger, None, interval
    else:
        if has_interval:
            raise TimespecError(
                f"repeat.interval cannot be combined with the recurring when={original!r}; "
                "repeat may only carry times/until here",
                field="repeat",
            )
        if isinstance(trigger, IntervalRule):
            step, cron = trigger.interval, None
            kind, first, base = "interval", now + step, f"every {format_interval(step)}"
        else:
            step = None
            if isinstance(trigger, CronRule):
                cron, base = trigger.expr, f"{trigger.description} ({zone.key})"
            else:
                alias = original.lower() if original.startswith("@") else trigger[1]
                cron, base = trigger[1], f"cron {alias!r} ({zone.key})"
            kind = "cron"
            found = cron_next(cron, zone, now, inclusive=True)
            if found is None:
                raise TimespecError(
                    f"cron {cron!r} never fires within 50 years (nor before the year 9999 ends)"
                )
            first = found
    if end_at is not None and end_at < first:
        raise TimespecError(
            f"repeat.until {format_instant(end_at, zone)} is before the first fire "
            f"{format_instant(first, zone)}",
            field="repeat",
        )
    description = with_limits(base, max_fires=max_fires, end_at=end_at, zone=zone)
    return Schedule(kind, description, zone.key, first, end_at, max_fires, cron, step)
