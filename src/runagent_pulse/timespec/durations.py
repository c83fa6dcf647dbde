"""Durations: seconds, Go-style (``1h30m``), ISO 8601 (``PT2H``) and words (``an hour``)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from runagent_pulse.timespec.errors import ErrorField, TimespecError

_S, _M, _H, _D, _W = 1, 60, 3600, 86400, 604800

UNIT_SECONDS: dict[str, int] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), _S),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), _M),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), _H),
    **dict.fromkeys(("d", "day", "days"), _D),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), _W),
}
UNITS_HELP = "s/sec/second, m/min/minute, h/hr/hour, d/day, w/week"
MAX_DURATION = timedelta(days=36500)
_US = Decimal(1_000_000)

_NUMBER = r"\d+(?:\.\d+)?"
_TERM = re.compile(rf"(?:(?P<num>{_NUMBER})\s*|\b(?P<word>an?|one)\s+)(?P<unit>[a-z]+)")
_SEPARATOR = re.compile(r"(?:\s|,|\band\b)*")
_ISO = re.compile(
    rf"P(?:(?P<w>{_NUMBER})W)?(?:(?P<d>{_NUMBER})D)?"
    rf"(?:T(?:(?P<h>{_NUMBER})H)?(?:(?P<m>{_NUMBER})M)?(?:(?P<s>{_NUMBER})S)?)?"
)
_ACCEPTED = (
    "a number of seconds (90), Go-style (1h30m, 90s, 1.5h, 2d, 1w), "
    "ISO 8601 (PT2H, P1DT2H30M) or words (5 minutes, an hour, 1 hour 30 minutes)"
)


def _micros(number: str, unit_seconds: int) -> int:
    amount = Decimal(1) if number in ("a", "an", "one") else Decimal(number)
    return int((amount * unit_seconds * _US).to_integral_value())


def parse_duration_terms(text: str, *, field: ErrorField = "duration") -> timedelta | None:
    """Parse ``1h30m`` / ``2h 15m`` / ``an hour`` / ``1 hour and 30 minutes``.

    Returns None when ``text`` is not made of ``<number> <unit>`` terms at all; raises
    TimespecError for an unknown unit. ``text`` must already be lower-case.
    """
    total = 0
    position = 0
    found = False
    for match in _TERM.finditer(text):
        gap = text[position : match.start()]
        if _SEPARATOR.fullmatch(gap) is None:
            return None
        unit = match["unit"]
        if unit not in UNIT_SECONDS:
            raise TimespecError(
                f"unknown time unit {unit!r} in {text!r}; use {UNITS_HELP}", field=field
            )
        total += _micros(match["num"] or match["word"], UNIT_SECONDS[unit])
        position = match.end()
        found = True
    if not found or _SEPARATOR.fullmatch(text[position:]) is None:
        return None
    return _from_micros(total, text, field)


def _parse_iso(text: str, field: ErrorField) -> timedelta:
    match = _ISO.fullmatch(text.upper())
    if match is None or text.upper() in ("P", "PT") or text.upper().endswith("T"):
        if re.fullmatch(r"P.*\d+[YM].*", text.upper().split("T")[0]):
            raise TimespecError(
                f"ISO 8601 duration {text.upper()!r} uses years or months, which have no "
                "fixed length; use days or weeks (P30D, P4W)",
                field=field,
            )
        raise TimespecError(
            f"invalid ISO 8601 duration {text.upper()!r}; "
            "expected e.g. PT2H, P1D, P1DT2H30M, PT0.5S",
            field=field,
        )
    scales = {"w": _W, "d": _D, "h": _H, "m": _M, "s": _S}
    total = sum(_micros(match[k], scales[k]) for k in scales if match[k] is not None)
    return _from_micros(total, text, field)


def _too_long(text: str, field: ErrorField) -> TimespecError:
    return TimespecError(
        f"duration {text!r} is too long; the maximum is 36500 days (100 years)", field=field
    )


def _from_micros(total: int, text: str, field: ErrorField) -> timedelta:
    if total > MAX_DURATION // timedelta(microseconds=1):
        raise _too_long(text, field)
    return timedelta(microseconds=total)


def parse_duration(
    value: str | int | float | timedelta, *, field: ErrorField = "duration"
) -> timedelta:
    """Parse a duration; numbers are seconds. Zero is allowed, negative durations are not."""
    if isinstance(value, bool):
        raise TimespecError(f"a duration cannot be a boolean; use {_ACCEPTED}", field=field)
    if isinstance(value, timedelta):
        result = value
    elif isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise TimespecError(f"duration {value!r} is not a finite number", field=field)
        if abs(value) > MAX_DURATION.total_seconds():
            raise _too_long(str(value), field)
        result = timedelta(seconds=value)
    elif isinstance(value, str):
        result = _parse_text(value, field)
    else:
        raise TimespecError(
            f"a duration must be a string or a number, not {type(value).__name__}; use {_ACCEPTED}",
            field=field,
        )
    if result < timedelta(0):
        raise TimespecError(f"duration {value!r} is negative; it must be >= 0", field=field)
    if result > MAX_DURATION:
        raise _too_long(str(value), field)
    return result


def _parse_text(value: str, field: ErrorField) -> timedelta:
    text = " ".join(value.strip().lower().split())
    if not text:
        raise TimespecError(f"empty duration; use {_ACCEPTED}", field=field)
    if text.startswith("-"):
        raise TimespecError(f"duration {value!r} is negative; it must be >= 0", field=field)
    if re.fullmatch(_NUMBER, text):
        return _from_micros(_micros(text, 1), text, field)
    if text.startswith("p"):
        return _parse_iso(text, field)
    result = parse_duration_terms(text, field=field)
    if result is None:
        raise TimespecError(f"invalid duration {value!r}; use {_ACCEPTED}", field=field)
    return result
