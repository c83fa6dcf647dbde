"""The natural-language grammar of ``when``: one-off phrases and recurring phrases.

Input is already normalized (lower-case, single spaces). One-off phrases resolve to a UTC
instant; recurring phrases to a :class:`CronRule` (fixed wall times) or an :class:`IntervalRule`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from runagent_pulse.timespec.describe import (
    WEEKDAY_NAMES,
    format_clock,
    join_words,
    ordinal,
)
from runagent_pulse.timespec.durations import UNIT_SECONDS, UNITS_HELP, parse_duration_terms
from runagent_pulse.timespec.errors import TimespecError
from runagent_pulse.timespec.zones import resolve_wall


@dataclass(frozen=True)
class CronRule:
    """A recurring phrase that became a cron expression."""

    expr: str
    description: str  # without the time zone


@dataclass(frozen=True)
class IntervalRule:
    """A recurring phrase that became an elapsed-time interval (first fire = now + interval)."""

    interval: timedelta


_WEEKDAYS: dict[str, int] = {}  # singular and plural names
_ONE_WEEKDAY: dict[str, int] = {}  # singular names only
for _number, _names in enumerate(
    (
        "sun sunday",
        "mon monday",
        "tue tues tuesday",
        "wed weds wednesday",
        "thu thur thurs thursday",
        "fri friday",
        "sat saturday",
    )
):
    for _name in _names.split():
        _ONE_WEEKDAY[_name] = _WEEKDAYS[_name] = _WEEKDAYS[_name + "s"] = _number
_WEEKDAY = "|".join(sorted(_ONE_WEEKDAY, key=len, reverse=True))

_TIME = re.compile(
    r"(?:(?P<word>noon|midnight)"
    r"|(?P<h>\d{1,2})(?::(?P<m>\d{2}))?(?::(?P<s>\d{2}))?\s*(?P<ampm>[ap])\.?m\.?)"
    r"|(?P<h24>\d{1,2})(?::(?P<m24>\d{2}))?(?::(?P<s24>\d{2}))?"
)
TIME_HELP = "9am, 9:30pm, 21:00, 9 (= 09:00), noon or midnight"
RECURRING_HELP = (
    "'every 15 minutes', 'every 2 hours', 'every day at 9am', 'every weekday at 9:30', "
    "'every weekend at 10am', 'every monday and friday at 17:00', "
    "'every month on the 1st at 9', 'hourly', 'daily at 6pm', 'weekly', 'monthly'"
)


@dataclass(frozen=True)
class _Clock:
    at: time
    bare_hour: bool  # "9" without minutes or am/pm
    meridiem: bool  # had am/pm


def parse_clock(text: str) -> _Clock:
    """Parse a time of day; raise TimespecError naming the bad text."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise TimespecError(f"cannot read time of day {text!r}; use {TIME_HELP}")
    if match["word"]:
        return _Clock(time(12) if match["word"] == "noon" else time(0), False, False)
    if match["h"] is not None:
        hour, minute, second = int(match["h"]), int(match["m"] or 0), int(match["s"] or 0)
        if not 1 <= hour <= 12:
            raise TimespecError(f"bad time {text!r}: with am/pm the hour must be 1-12")
        hour = hour % 12 + (12 if match["ampm"] == "p" else 0)
        meridiem, bare = True, False
    else:
        hour, minute = int(match["h24"]), int(match["m24"] or 0)
        second, meridiem, bare = int(match["s24"] or 0), False, match["m24"] is None
        if hour > 23:
            raise TimespecError(f"bad time {text!r}: the hour must be 0-23; use {TIME_HELP}")
    if minute > 59 or second > 59:
        raise TimespecError(f"bad time {text!r}: minutes and seconds must be 0-59")
    return _Clock(time(hour, minute, second), bare, meridiem)


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return resolve_wall(datetime.combine(day, clock), zone)


def _tonight(clock: _Clock | None, text: str) -> time:
    if clock is None:
        return time(21)
    at = clock.at
    if not clock.meridiem and 1 <= at.hour <= 11:
        at = at.replace(hour=at.hour + 12)
    if at.hour < 12:
        raise TimespecError(
            f"{text!r}: 'tonight' needs an evening time (e.g. 'tonight at 8' = 20:00); "
            "for after midnight use 'tomorrow at ...'"
        )
    return at


_DAY_THEN_TIME = re.compile(r"(?P<day>today|tonight|tomorrow)(?: (?:at )?(?P<time>.+))?")
_TIME_THEN_DAY = re.compile(r"(?:at )?(?P<time>.+?) (?P<day>today|tonight|tomorrow)")
_WEEKDAY_PHRASE = re.compile(rf"(?:(?:next|this|on) )?(?P<wd>{_WEEKDAY})(?: (?:at )?(?P<time>.+))?")
_DATE_AT = re.compile(r"(?P<date>\d{4}-\d{2}-\d{2}) at (?P<time>.+)")
_AT = re.compile(r"at (?P<time>.+)")
_BARE_TIME = re.compile(
    r"noon|midnight|\d{1,2}:\d{2}(?::\d{2})?(?: ?[ap]\.?m\.?)?|\d{1,2} ?[ap]\.?m\.?"
)


def parse_relative(text: str, now: datetime) -> datetime | None:
    """``in 5 minutes`` / ``2 hours from now`` -> now + elapsed time; None if not that form."""
    if text.startswith("in "):
        body = text[3:]
    elif text.endswith(" from now"):
        body = text[: -len(" from now")]
    else:
        return None
    amount = parse_duration_terms(body, field="when")
    if amount is None:
        raise TimespecError(
            f"cannot read the duration in {text!r}; use e.g. 'in 5 minutes', 'in 1h30m', "
            f"'in an hour', '2 days from now' (units: {UNITS_HELP})"
        )
    if amount <= timedelta(0):
        raise TimespecError(f"{text!r} is not in the future; use 'now' to run immediately")
    return now + amount


def parse_day_phrase(text: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """``tomorrow at 9am``, ``next monday at 5pm``, ``at 17:30``; None if not that form.

    A weekday means the next such day strictly after today, or today if that time is still
    ahead; ``next`` does not skip a week. ``at <time>`` means today if still ahead, else tomorrow.
    """
    today = now.astimezone(zone).date()
    if match := _DAY_THEN_TIME.fullmatch(text) or _TIME_THEN_DAY.fullmatch(text):
        day, raw_time = match["day"], match["time"]
        clock = parse_clock(raw_time) if raw_time else None
        if day == "tonight":
            return _at(today, _tonight(clock, text), zone)
        if clock is None:
            raise TimespecError(f"{text!r} needs a time, e.g. '{day} at 9am'")
        return _at(today + timedelta(days=1 if day == "tomorrow" else 0), clock.at, zone)
    if match := _WEEKDAY_PHRASE.fullmatch(text):
        clock_at = parse_clock(match["time"]).at if match["time"] else time(0)
        target = (_WEEKDAYS[match["wd"]] - 1) % 7  # Python weekday(): Monday = 0
        days_ahead = (target - today.weekday()) % 7
        fire = _at(today + timedelta(days=days_ahead), clock_at, zone)
        if fire < now:
            fire = _at(today + timedelta(days=days_ahead or 7), clock_at, zone)
        return fire
    if match := _DATE_AT.fullmatch(text):
        try:
            day_date = date.fromisoformat(match["date"])
        except ValueError as exc:
            raise TimespecError(f"invalid date {match['date']!r} in {text!r}") from exc
        return _at(day_date, parse_clock(match["time"]).at, zone)
    at_match = _AT.fullmatch(text)
    if at_match is None and not _BARE_TIME.fullmatch(text):
        return None
    clock_at = parse_clock(at_match["time"] if at_match else text).at
    fire = _at(today, clock_at, zone)
    return fire if fire >= now else _at(today + timedelta(days=1), clock_at, zone)


def _day_list(text: str) -> list[int] | None:
    names = [part for part in re.split(r"\s*(?:,|\band\b|&)\s*", text) if part]
    if not names or any(name not in _WEEKDAYS for name in names):
        return None
    return sorted({_WEEKDAYS[name] for name in names}, key=lambda day: (day - 1) % 7)


def _clock_fields(raw: str | None, text: str) -> tuple[int, int]:
    if raw is None:
        return 0, 0
    at = parse_clock(raw).at
    if at.second:
        raise TimespecError(f"{text!r}: recurring times have minute precision (no seconds)")
    return at.minute, at.hour


def _days_rule(days: list[int], raw_time: str | None, text: str) -> CronRule:
    minute, hour = _clock_fields(raw_time, text)
    clock = format_clock(hour, minute)
    if days == [1, 2, 3, 4, 5]:
        label, field = "weekday", "1-5"
    elif days == [6, 0]:
        label, field = "weekend", "0,6"
    elif len(days) == 7:
        label, field = "day", "*"
    else:
        label, field = join_words([WEEKDAY_NAMES[d] for d in days]), ",".join(map(str, days))
    return CronRule(f"{minute} {hour} * * {field}", f"every {label} at {clock}")


_MONTH_DAY = re.compile(
    r"(?:the )?(?:day )?(?:(?P<n>\d{1,2})(?:st|nd|rd|th)?|(?P<last>last(?: day)?))"
)


def _month_rule(on: str | None, raw_time: str | None, text: str) -> CronRule:
    minute, hour = _clock_fields(raw_time, text)
    day_field, label = "1", "1st"
    if on is not None:
        match = _MONTH_DAY.fullmatch(on.removesuffix(" of the month"))
        if match is None:
            raise TimespecError(
                f"cannot read the day of the month in {text!r}; use e.g. 'on the 1st', "
                "'on the 15th', 'on the last day'"
            )
        if match["last"]:
            day_field, label = "L", "last day"
        else:
            number = int(match["n"])
            if not 1 <= number <= 31:
                raise TimespecError(f"{text!r}: the day of the month must be 1-31")
            day_field, label = str(number), ordinal(number)
    clock = format_clock(hour, minute)
    return CronRule(f"{minute} {hour} {day_field} * *", f"every month on the {label} at {clock}")


_EVERY = re.compile(r"(?:every|each) (?P<what>.+?)(?: at (?P<time>.+))?")
_SHORTHAND = re.compile(r"(?P<word>hourly|daily|weekly|monthly|yearly|annually)(?: (?P<rest>.+))?")
_ON = re.compile(r"(?P<unit>week|month)(?: on (?P<on>.+))?")


def parse_recurring(text: str) -> CronRule | IntervalRule | None:
    """``every ...`` / ``hourly`` / ``daily at 6pm`` ...; None if not a recurring phrase."""
    if match := _SHORTHAND.fullmatch(text):
        word, rest = match["word"], match["rest"]
        if word in ("hourly", "yearly", "annually"):
            if rest:
                raise TimespecError(
                    f"{text!r}: '{word}' takes no options; use a cron expression instead, "
                    "e.g. '15 * * * *'"
                )
            if word == "hourly":
                return CronRule("0 * * * *", "every hour at :00")
            return CronRule("0 0 1 1 *", "every year on january 1st at 00:00")
        text = {"daily": "every day", "weekly": "every week", "monthly": "every month"}[word]
        text += f" {rest}" if rest else ""
    match = _EVERY.fullmatch(text)
    if match is None:
        return None
    what, raw_time = match["what"], match["time"]
    if what in ("day", "days"):
        return _days_rule(list(range(7)), raw_time, text)
    if what in ("weekday", "weekdays"):
        return _days_rule([1, 2, 3, 4, 5], raw_time, text)
    if what in ("weekend", "weekends", "weekend day"):
        return _days_rule([6, 0], raw_time, text)
    if (days := _day_list(what)) is not None:
        return _days_rule(days, raw_time, text)
    if on_match := _ON.fullmatch(what):
        if on_match["unit"] == "month":
            return _month_rule(on_match["on"], raw_time, text)
        days = _day_list(on_match["on"]) if on_match["on"] else [0]
        if days is None:
            raise TimespecError(
                f"cannot read the weekdays in {text!r}; use e.g. 'every week on monday'"
            )
        return _days_rule(days, raw_time, text)
    return _interval_rule(what, raw_time, text)


def _interval_rule(what: str, raw_time: str | None, text: str) -> IntervalRule:
    if re.fullmatch(r"(?:\d+ )?(?:months?|years?)", what):
        raise TimespecError(
            f"{text!r}: months and years have no fixed length; use 'every month on the 1st' "
            "or a cron expression such as '0 9 1 */2 *'"
        )
    if what in UNIT_SECONDS:
        amount: timedelta | None = parse_duration_terms(f"1 {what}", field="when")
    elif re.match(r"\d|an? |one ", what):
        amount = parse_duration_terms(what, field="when")
    else:
        amount = None
    if amount is None:
        raise TimespecError(f"cannot read the recurring phrase {text!r}; use {RECURRING_HELP}")
    if raw_time is not None:
        raise TimespecError(
            f"{text!r}: an interval ('every {what}') cannot also have a time of day; use "
            "'every day at 9am', or a one-off start with repeat, e.g. when='tomorrow at 9am', "
            "repeat={'interval': '2d'}"
        )
    if amount < timedelta(seconds=1):
        raise TimespecError(f"{text!r}: the interval must be at least 1 second")
    return IntervalRule(amount)
