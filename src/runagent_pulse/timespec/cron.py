"""Cron expressions: validation with field-level errors, aliases, and DST-safe evaluation.

Evaluation uses ``cronsim`` (Vixie semantics, Debian-cron DST handling): an expression whose
minute and hour fields are both fixed (do not start with ``*``) follows wall time -- a time in a
spring-forward gap fires at the first instant after the gap, a time in a fall-back fold fires once,
at its first occurrence; an expression with ``*`` (or ``*/n``) in the minute or hour field follows
elapsed time, so an hourly job fires every real hour, including both 01:00s of a fold.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cronsim import CronSim, CronSimError
from cronsim.cronsim import Field

from runagent_pulse.timespec.errors import TimespecError

ALIASES: dict[str, str] = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

_FIELDS: tuple[tuple[str, str], ...] = (
    ("minute", "0-59"),
    ("hour", "0-23"),
    ("day-of-month", "1-31, L (last day) or LW (last weekday)"),
    ("month", "1-12 or jan-dec"),
    ("day-of-week", "0-7 (0 and 7 are Sunday) or sun-sat, 5L (last Friday), mon#2 (2nd Monday)"),
)
_FIELD_HELP = "minute hour day-of-month month day-of-week"
_TOKEN = re.compile(r"[0-9a-z*/,#?\-]+")
_MAX_SKIPS = 10_000


def looks_like_cron(text: str) -> bool:
    """True if ``text`` (lower-case) is shaped like a cron expression (4-7 cron-ish fields)."""
    if text.startswith("@"):
        return True
    tokens = text.split()
    return (
        4 <= len(tokens) <= 7
        and all(_TOKEN.fullmatch(token) for token in tokens)
        and any(ch.isdigit() or ch == "*" for ch in text)
    )


def normalize_cron(text: str) -> str:
    """Validate a cron expression or alias (lower-case) and return its 5-field form."""
    text = " ".join(text.split()).lower()
    if text.startswith("@"):
        if text not in ALIASES:
            raise TimespecError(
                f"unknown cron alias {text!r}; accepted: {', '.join(ALIASES)}"
                + (" (@reboot has no meaning for a scheduler)" if text == "@reboot" else "")
            )
        return ALIASES[text]
    tokens = text.split()
    if len(tokens) in (6, 7):
        raise TimespecError(
            f"cron expression {text!r} has {len(tokens)} fields; seconds (and years) are not "
            f"supported -- use 5 fields: {_FIELD_HELP}"
        )
    if len(tokens) != 5:
        raise TimespecError(
            f"cron expression {text!r} has {len(tokens)} fields; use 5: {_FIELD_HELP}"
        )
    for index, token in enumerate(tokens):
        try:
            Field(index + 1).parse(token.upper())
        except (CronSimError, ValueError, IndexError) as exc:
            name, allowed = _FIELDS[index]
            raise TimespecError(
                f"bad cron field {index + 1} ({name}) {token!r} in {text!r}; allowed: {allowed}, "
                "'*', lists (1,15), ranges (1-5) and steps (*/15)"
            ) from exc
    try:
        CronSim(text, datetime(2000, 1, 1))
    except (CronSimError, ValueError, IndexError) as exc:
        raise TimespecError(
            f"cron expression {text!r} can never fire: day-of-month {tokens[2]!r} does not occur "
            f"in month {tokens[3]!r}"
        ) from exc
    return text.upper()


def _candidates(expr: str, zone: ZoneInfo, start: datetime) -> Iterator[datetime]:
    for fire in CronSim(expr, start.astimezone(zone)):
        yield fire.astimezone(UTC)


def cron_next(
    expr: str, zone: ZoneInfo, after: datetime, *, inclusive: bool = False
) -> datetime | None:
    """The first fire of ``expr`` in ``zone`` strictly after ``after`` (or at it, if inclusive).

    Returns a UTC datetime, or None if the expression never fires again (within 50 years, or
    before the end of year 9999).
    """
    start = after - timedelta(seconds=1) if inclusive else after
    candidates = _candidates(expr, zone, start)
    for _ in range(_MAX_SKIPS):
        try:
            candidate = next(candidates, None)
        except OverflowError:
            return None
        if candidate is None:
            return None
        # cronsim evaluates fixed wall times on naive local time, so inside a fold it can yield
        # an instant at or before ``after``; skip those to keep fires strictly increasing.
        if candidate > after or (inclusive and candidate == after):
            return candidate
    raise AssertionError(f"cron {expr!r} did not advance past {after.isoformat()}")
