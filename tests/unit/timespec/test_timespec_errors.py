"""Bad input: every TimespecError names the bad part (and the field at fault)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

import pytest

from runagent_pulse.timespec import TimespecError, parse_schedule

NOW = datetime(2026, 11, 18, 14, 30, tzinfo=UTC)


class Bad(NamedTuple):
    when: str
    fragments: tuple[str, ...]
    field: str = "when"
    tz: str = "UTC"
    repeat: dict[str, Any] | None = None


CASES = {
    "empty": Bad("", ("empty", "accepted forms")),
    "blank": Bad("   ", ("empty",)),
    "garbage": Bad(
        "whenever you like",
        ("'whenever you like'", "accepted forms", "every 15 minutes", "0 9 * * 1-5"),
    ),
    "unknown-unit": Bad("in 5 fortnights", ("'fortnights'", "minute")),
    "relative-no-unit": Bad("in 5", ("'in 5'",)),
    "relative-zero": Bad("in 0 minutes", ("'in 0 minutes'", "now")),
    "bad-hour": Bad("tomorrow at 25:00", ("'25:00'", "0-23")),
    "bad-minute": Bad("tomorrow at 9:75", ("'9:75'", "0-59")),
    "bad-meridiem-hour": Bad("at 13pm", ("'13pm'", "1-12")),
    "bad-time-words": Bad("tomorrow at teatime", ("'teatime'",)),
    "tomorrow-without-time": Bad("tomorrow", ("'tomorrow'", "needs a time")),
    "tonight-morning": Bad("tonight at 2am", ("tonight", "evening")),
    "past-today": Bad("today at 9am", ("past", "2026-11-18 09:00", "2026-11-18T09:00:00+00:00")),
    "past-iso": Bad("2020-01-01T00:00:00Z", ("past", "2020-01-01")),
    "bad-iso": Bad("2026-13-01", ("'2026-13-01'", "ISO 8601")),
    "cron-bad-minute": Bad("60 * * * *", ("field 1", "minute", "'60'", "0-59")),
    "cron-bad-hour": Bad("0 24 * * *", ("field 2", "hour", "'24'", "0-23")),
    "cron-bad-dom": Bad("0 0 32 * *", ("field 3", "day-of-month", "'32'", "1-31")),
    "cron-bad-month": Bad("0 0 1 13 *", ("field 4", "month", "'13'", "1-12")),
    "cron-bad-dow": Bad("0 9 * * 8", ("field 5", "day-of-week", "'8'", "0-7")),
    "cron-bad-dow-name": Bad("0 9 * * funday", ("day-of-week", "'funday'")),
    "cron-bad-nth": Bad("0 9 * * mon#6", ("day-of-week", "'mon#6'")),
    "cron-zero-step": Bad("*/0 * * * *", ("minute", "'*/0'")),
    "cron-reversed-range": Bad("0 5-1 * * *", ("hour", "'5-1'")),
    "cron-seconds": Bad("0 0 9 * * *", ("6 fields", "seconds", "5 fields")),
    "cron-four-fields": Bad("0 9 * *", ("4 fields", "use 5")),
    "cron-impossible-date": Bad("0 0 30 2 *", ("never fire", "'30'")),
    "cron-unknown-alias": Bad("@fortnightly", ("'@fortnightly'", "@daily")),
    "cron-reboot": Bad("@reboot", ("'@reboot'",)),
    "every-unknown-unit": Bad("every 5 blargs", ("'blargs'",)),
    "every-typo": Bad("every tuesdy at 9", ("'every tuesdy at 9'", "every weekday at 9:30")),
    "every-interval-with-time": Bad("every 2 days at 9am", ("'every 2 days at 9am'", "repeat")),
    "every-months": Bad("every 2 months", ("months", "fixed length")),
    "every-bad-month-day": Bad("every month on the 32nd", ("1-31",)),
    "every-seconds-in-time": Bad("every day at 9:00:30", ("minute precision",)),
    "hourly-options": Bad("hourly at 5", ("'hourly'",)),
    "unknown-timezone": Bad(
        "now", ("'Mars/Olympus_Mons'", "IANA"), field="timezone", tz="Mars/Olympus_Mons"
    ),
    "timezone-case": Bad(
        "now", ("'europe/paris'", "'Europe/Paris'"), field="timezone", tz="europe/paris"
    ),
    "empty-timezone": Bad("now", ("IANA",), field="timezone", tz=""),
    "repeat-times-without-interval": Bad(
        "in 5 minutes", ("repeat.times", "interval"), field="repeat", repeat={"times": 3}
    ),
    "repeat-until-without-interval": Bad(
        "in 5 minutes", ("interval",), field="repeat", repeat={"until": "2026-12-01"}
    ),
    "repeat-interval-on-recurring": Bad(
        "every day at 9am",
        ("repeat.interval", "'every day at 9am'"),
        field="repeat",
        repeat={"interval": "1d"},
    ),
    "repeat-unknown-key": Bad(
        "now",
        ("'every'", "interval, times, until"),
        field="repeat",
        repeat={"interval": "1d", "every": 2},
    ),
    "repeat-times-zero": Bad(
        "now", ("repeat.times", ">= 1"), field="repeat", repeat={"interval": "1d", "times": 0}
    ),
    "repeat-times-float": Bad(
        "now", ("repeat.times", "2.5"), field="repeat", repeat={"interval": "1d", "times": 2.5}
    ),
    "repeat-interval-too-short": Bad(
        "now", ("'500ms'",), field="repeat", repeat={"interval": "500ms"}
    ),
    "repeat-interval-sub-second": Bad(
        "now", ("minimum is 1 second",), field="repeat", repeat={"interval": "PT0.5S"}
    ),
    "repeat-interval-bad-unit": Bad(
        "now", ("repeat.interval", "'parsecs'"), field="repeat", repeat={"interval": "3 parsecs"}
    ),
    "repeat-until-before-first": Bad(
        "tomorrow at 9am",
        ("until", "before the first fire"),
        field="repeat",
        repeat={"interval": "1d", "until": "2026-11-18T20:00:00Z"},
    ),
    "repeat-until-not-iso": Bad(
        "now",
        ("repeat.until", "'next year'"),
        field="repeat",
        repeat={"interval": "1d", "until": "next year"},
    ),
    "repeat-until-before-cron": Bad(
        "every day at 9am",
        ("before the first fire",),
        field="repeat",
        repeat={"until": "2026-11-19T08:00:00Z"},
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_rejected(case: Bad) -> None:
    with pytest.raises(TimespecError) as caught:
        parse_schedule(case.when, timezone=case.tz, now=NOW, repeat=case.repeat)
    error = caught.value
    for fragment in case.fragments:
        assert fragment in str(error)
    assert error.field == case.field
    assert error.code == "invalid_when"
    assert isinstance(error, ValueError)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_schedule("now", now=datetime(2026, 11, 18, 14, 30))


def test_when_must_be_text() -> None:
    with pytest.raises(TimespecError, match="string"):
        parse_schedule(42, now=NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("when", "meant"),
    [
        ("tomorow at 9", "tomorrow at 9"),
        ("nxt monday", "next monday"),
        ("every weekdya at 9:30", "every weekday at 9:30"),
        ("evrey day at 9am", "every day at 9am"),
        ("in 5 minuets", "in 5 minutes"),
    ],
)
def test_a_misspelt_word_of_the_grammar_gets_a_suggestion(when: str, meant: str) -> None:
    with pytest.raises(TimespecError, match=f"did you mean '{meant}'"):
        parse_schedule(when, now=NOW)


def test_no_suggestion_when_nothing_looks_like_a_typo() -> None:
    with pytest.raises(TimespecError) as caught:
        parse_schedule("whenever you like", now=NOW)
    assert "did you mean" not in str(caught.value)
