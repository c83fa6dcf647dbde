"""parse_duration: seconds, Go-style, ISO 8601 and words."""

from __future__ import annotations

from datetime import timedelta

import pytest

from runagent_pulse.timespec import TimespecError, parse_duration

GOOD = [
    (90, timedelta(seconds=90)),
    (1.5, timedelta(seconds=1.5)),
    (timedelta(minutes=3), timedelta(minutes=3)),
    ("90", timedelta(seconds=90)),
    ("90s", timedelta(seconds=90)),
    ("30m", timedelta(minutes=30)),
    ("1h30m", timedelta(hours=1, minutes=30)),
    ("1h30m15s", timedelta(hours=1, minutes=30, seconds=15)),
    ("1.5h", timedelta(hours=1, minutes=30)),
    ("2d", timedelta(days=2)),
    ("1w", timedelta(weeks=1)),
    ("PT2H", timedelta(hours=2)),
    ("P1D", timedelta(days=1)),
    ("P1DT2H30M", timedelta(days=1, hours=2, minutes=30)),
    ("PT0.5S", timedelta(seconds=0.5)),
    ("P2W", timedelta(weeks=2)),
    ("5 minutes", timedelta(minutes=5)),
    ("an hour", timedelta(hours=1)),
    ("a minute", timedelta(minutes=1)),
    ("1 hour 30 minutes", timedelta(hours=1, minutes=30)),
    ("1 hour and 30 minutes", timedelta(hours=1, minutes=30)),
    ("2 hrs, 5 secs", timedelta(hours=2, seconds=5)),
    ("  2H 15M  ", timedelta(hours=2, minutes=15)),
    (0, timedelta(0)),
    ("0", timedelta(0)),
    ("0s", timedelta(0)),
]


@pytest.mark.parametrize(("value", "expected"), GOOD, ids=[repr(v) for v, _ in GOOD])
def test_parse_duration(value: str | int | float | timedelta, expected: timedelta) -> None:
    assert parse_duration(value) == expected


BAD = [
    ("-5m", "negative"),
    (-1, "negative"),
    (timedelta(seconds=-1), "negative"),
    ("", "empty"),
    ("abc", "'abc'"),
    ("5 parsecs", "'parsecs'"),
    ("1y", "'y'"),
    ("P1M", "months"),
    ("P1Y", "years"),
    ("PT", "ISO 8601"),
    ("1h30", "'1h30'"),
    ("99999999w", "too long"),
    (float("nan"), "finite"),
    (True, "boolean"),
]


@pytest.mark.parametrize(("value", "fragment"), BAD, ids=[repr(v) for v, _ in BAD])
def test_parse_duration_rejects(value: object, fragment: str) -> None:
    with pytest.raises(TimespecError) as caught:
        parse_duration(value)  # type: ignore[arg-type]
    assert fragment in str(caught.value)
    assert caught.value.field == "duration"
    assert caught.value.code == "invalid_when"
