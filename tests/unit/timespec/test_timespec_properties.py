"""Property: successive fires strictly increase and are UTC-aware, in any zone, from any start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from runagent_pulse.timespec import TimespecError, parse_schedule

ZONES = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "America/Santiago",
    "Pacific/Chatham",
]
MINUTES = ["0", "30", "*/15", "5,35", "*", "0-10/5", "59"]
HOURS = ["*", "0", "1", "2", "3", "9", "1-3", "*/2", "0-23/6", "23"]
DAYS = ["*", "1", "15", "L", "29", "*/10", "31"]
MONTHS = ["*", "1", "3", "10-12", "mar,apr,oct,nov"]
WEEKDAYS = ["*", "1-5", "mon", "0,6", "5L", "sun#1", "7"]

crons = st.builds(
    lambda *fields: " ".join(fields),
    *(st.sampled_from(values) for values in (MINUTES, HOURS, DAYS, MONTHS, WEEKDAYS)),
)
phrases = st.sampled_from(
    ["every day at 2:30am", "every weekday at 1:30", "hourly", "daily at 2am", "every weekend"]
)
starts = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
SETTINGS = settings(deadline=None, max_examples=150, derandomize=True)


def assert_increasing(when: str, zone: str, start: datetime, count: int = 12) -> None:
    schedule = parse_schedule(when, timezone=zone, now=start)
    fire = schedule.first_fire
    assert fire is not None and fire >= start and fire.tzinfo is UTC
    for _ in range(count):
        following = schedule.next_after(fire)
        assert following is not None
        assert following > fire
        assert following.tzinfo is UTC
        fire = following


@SETTINGS
@given(expr=st.one_of(crons, phrases), zone=st.sampled_from(ZONES), start=starts)
def test_cron_fires_strictly_increase(expr: str, zone: str, start: datetime) -> None:
    assert_increasing(expr, zone, start)


@SETTINGS
@given(
    seconds=st.integers(min_value=1, max_value=10 * 86400),
    zone=st.sampled_from(ZONES),
    start=starts,
)
def test_interval_fires_strictly_increase(seconds: int, zone: str, start: datetime) -> None:
    assert_increasing(f"every {seconds} seconds", zone, start)
    schedule = parse_schedule(f"every {seconds} seconds", timezone=zone, now=start)
    assert schedule.next_runs(3)[2] - schedule.next_runs(3)[1] == timedelta(seconds=seconds)


@SETTINGS
@given(zone=st.sampled_from(ZONES), start=starts, minutes=st.integers(0, 59 * 24))
def test_one_off_wall_time_never_in_past(zone: str, start: datetime, minutes: int) -> None:
    hour, minute = divmod(minutes % (24 * 60), 60)
    schedule = parse_schedule(f"at {hour}:{minute:02d}", timezone=zone, now=start)
    assert schedule.first_fire is not None
    assert start <= schedule.first_fire <= start + timedelta(days=1, hours=3)


WORDS = st.sampled_from(
    [
        "every",
        "in",
        "at",
        "on",
        "the",
        "and",
        "from",
        "now",
        "today",
        "tonight",
        "tomorrow",
        "next",
        "monday",
        "fri",
        "day",
        "days",
        "weekday",
        "weekend",
        "month",
        "1st",
        "15th",
        "last",
        "hour",
        "hours",
        "minute",
        "5",
        "30",
        "9",
        "9am",
        "12pm",
        "25:00",
        "9:30",
        "a",
        "an",
        "@daily",
        "*",
        "*/5",
        "1-5",
        "L",
        "5L",
        "mon#2",
        "2026-11-23",
        "2026-11-23T09:00:00Z",
        ",",
        "-",
        ":",
        "#",
        "/",
        "0",
        "99999999999",
        "1h30m",
    ]
)


@SETTINGS
@given(
    text=st.one_of(st.text(max_size=40), st.lists(WORDS, max_size=7).map(" ".join)),
    zone=st.sampled_from(ZONES),
    start=starts,
)
def test_any_text_parses_or_raises_timespec_error(text: str, zone: str, start: datetime) -> None:
    try:
        schedule = parse_schedule(text, timezone=zone, now=start)
    except TimespecError as error:
        assert error.field == "when"
        assert str(error)
    else:
        assert schedule.first_fire is not None and schedule.first_fire >= start
