"""Every accepted form of ``when`` (and ``repeat``), with a fixed ``now`` and ISO expectations.

``now`` is Wednesday 2026-11-18 14:30 UTC = 15:30 in Europe/Paris (UTC+1 in November).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

import pytest

from runagent_pulse.timespec import parse_schedule

NOW = datetime(2026, 11, 18, 14, 30, tzinfo=UTC)
PARIS = "Europe/Paris"


class Case(NamedTuple):
    when: str
    kind: str
    first: str  # first fire, UTC ISO
    description: str
    tz: str = PARIS
    repeat: dict[str, Any] | None = None


CASES = {
    # now and elapsed time
    "now": Case(
        "now", "once", "2026-11-18T14:30:00+00:00", "once at 2026-11-18 15:30 (Europe/Paris)"
    ),
    "now-upper": Case(
        "  NOW ", "once", "2026-11-18T14:30:00+00:00", "once at 2026-11-18 15:30 (Europe/Paris)"
    ),
    "in-5-minutes": Case(
        "in 5 minutes",
        "once",
        "2026-11-18T14:35:00+00:00",
        "once at 2026-11-18 15:35 (Europe/Paris)",
    ),
    "in-90-s": Case(
        "in 90 s", "once", "2026-11-18T14:31:30+00:00", "once at 2026-11-18 15:31:30 (Europe/Paris)"
    ),
    "in-2-secs": Case(
        "in 2 secs",
        "once",
        "2026-11-18T14:30:02+00:00",
        "once at 2026-11-18 15:30:02 (Europe/Paris)",
    ),
    "in-3-hrs": Case(
        "in 3 hrs", "once", "2026-11-18T17:30:00+00:00", "once at 2026-11-18 18:30 (Europe/Paris)"
    ),
    "in-2-days": Case(
        "in 2 days", "once", "2026-11-20T14:30:00+00:00", "once at 2026-11-20 15:30 (Europe/Paris)"
    ),
    "in-1-week": Case(
        "in 1 week", "once", "2026-11-25T14:30:00+00:00", "once at 2026-11-25 15:30 (Europe/Paris)"
    ),
    "in-1h30m": Case(
        "in 1h30m", "once", "2026-11-18T16:00:00+00:00", "once at 2026-11-18 17:00 (Europe/Paris)"
    ),
    "in-2h-15m": Case(
        "in 2h 15m", "once", "2026-11-18T16:45:00+00:00", "once at 2026-11-18 17:45 (Europe/Paris)"
    ),
    "in-an-hour": Case(
        "in an hour", "once", "2026-11-18T15:30:00+00:00", "once at 2026-11-18 16:30 (Europe/Paris)"
    ),
    "in-a-minute": Case(
        "in a minute",
        "once",
        "2026-11-18T14:31:00+00:00",
        "once at 2026-11-18 15:31 (Europe/Paris)",
    ),
    "in-compound-words": Case(
        "in 1 hour and 30 minutes",
        "once",
        "2026-11-18T16:00:00+00:00",
        "once at 2026-11-18 17:00 (Europe/Paris)",
    ),
    "from-now": Case(
        "2 hours from now",
        "once",
        "2026-11-18T16:30:00+00:00",
        "once at 2026-11-18 17:30 (Europe/Paris)",
    ),
    # day phrases (wall time in the task zone)
    "today-at-5pm": Case(
        "today at 5pm",
        "once",
        "2026-11-18T16:00:00+00:00",
        "once at 2026-11-18 17:00 (Europe/Paris)",
    ),
    "tonight": Case(
        "tonight", "once", "2026-11-18T20:00:00+00:00", "once at 2026-11-18 21:00 (Europe/Paris)"
    ),
    "tonight-at-8": Case(
        "tonight at 8",
        "once",
        "2026-11-18T19:00:00+00:00",
        "once at 2026-11-18 20:00 (Europe/Paris)",
    ),
    "tonight-at-21:30": Case(
        "tonight at 21:30",
        "once",
        "2026-11-18T20:30:00+00:00",
        "once at 2026-11-18 21:30 (Europe/Paris)",
    ),
    "tomorrow-at-9am": Case(
        "tomorrow at 9am",
        "once",
        "2026-11-19T08:00:00+00:00",
        "once at 2026-11-19 09:00 (Europe/Paris)",
    ),
    "tomorrow-9:30": Case(
        "tomorrow 9:30",
        "once",
        "2026-11-19T08:30:00+00:00",
        "once at 2026-11-19 09:30 (Europe/Paris)",
    ),
    "tomorrow-at-9:30pm": Case(
        "Tomorrow at 9:30 PM",
        "once",
        "2026-11-19T20:30:00+00:00",
        "once at 2026-11-19 21:30 (Europe/Paris)",
    ),
    "tomorrow-at-21:00": Case(
        "tomorrow at 21:00",
        "once",
        "2026-11-19T20:00:00+00:00",
        "once at 2026-11-19 21:00 (Europe/Paris)",
    ),
    "tomorrow-at-noon": Case(
        "tomorrow at noon",
        "once",
        "2026-11-19T11:00:00+00:00",
        "once at 2026-11-19 12:00 (Europe/Paris)",
    ),
    "tomorrow-at-midnight": Case(
        "tomorrow at midnight",
        "once",
        "2026-11-18T23:00:00+00:00",
        "once at 2026-11-19 00:00 (Europe/Paris)",
    ),
    "tomorrow-12am": Case(
        "tomorrow at 12am",
        "once",
        "2026-11-18T23:00:00+00:00",
        "once at 2026-11-19 00:00 (Europe/Paris)",
    ),
    "9am-tomorrow": Case(
        "9am tomorrow",
        "once",
        "2026-11-19T08:00:00+00:00",
        "once at 2026-11-19 09:00 (Europe/Paris)",
    ),
    "monday": Case(
        "monday", "once", "2026-11-22T23:00:00+00:00", "once at 2026-11-23 00:00 (Europe/Paris)"
    ),
    "next-monday-at-5pm": Case(
        "next monday at 5pm",
        "once",
        "2026-11-23T16:00:00+00:00",
        "once at 2026-11-23 17:00 (Europe/Paris)",
    ),
    "fri-9": Case(
        "fri 9", "once", "2026-11-20T08:00:00+00:00", "once at 2026-11-20 09:00 (Europe/Paris)"
    ),
    "today-weekday-still-ahead": Case(
        "wednesday at 5pm",
        "once",
        "2026-11-18T16:00:00+00:00",
        "once at 2026-11-18 17:00 (Europe/Paris)",
    ),
    "today-weekday-passed": Case(
        "wednesday at 2pm",
        "once",
        "2026-11-25T13:00:00+00:00",
        "once at 2026-11-25 14:00 (Europe/Paris)",
    ),
    "next-wednesday-same-rule": Case(
        "next wednesday at 5pm",
        "once",
        "2026-11-18T16:00:00+00:00",
        "once at 2026-11-18 17:00 (Europe/Paris)",
    ),
    "at-5pm-today": Case(
        "at 5pm", "once", "2026-11-18T16:00:00+00:00", "once at 2026-11-18 17:00 (Europe/Paris)"
    ),
    "at-9-tomorrow": Case(
        "at 9", "once", "2026-11-19T08:00:00+00:00", "once at 2026-11-19 09:00 (Europe/Paris)"
    ),
    "bare-9am": Case(
        "9am", "once", "2026-11-19T08:00:00+00:00", "once at 2026-11-19 09:00 (Europe/Paris)"
    ),
    "bare-17:30": Case(
        "17:30", "once", "2026-11-18T16:30:00+00:00", "once at 2026-11-18 17:30 (Europe/Paris)"
    ),
    "iso-date-at": Case(
        "2026-11-23 at 9am",
        "once",
        "2026-11-23T08:00:00+00:00",
        "once at 2026-11-23 09:00 (Europe/Paris)",
    ),
    # ISO 8601
    "iso-z": Case(
        "2026-11-23T09:00:00Z",
        "once",
        "2026-11-23T09:00:00+00:00",
        "once at 2026-11-23 10:00 (Europe/Paris)",
    ),
    "iso-offset": Case(
        "2026-11-23T09:00:00+01:00",
        "once",
        "2026-11-23T08:00:00+00:00",
        "once at 2026-11-23 09:00 (Europe/Paris)",
    ),
    "iso-naive-wall": Case(
        "2026-11-23T09:00:00",
        "once",
        "2026-11-23T08:00:00+00:00",
        "once at 2026-11-23 09:00 (Europe/Paris)",
    ),
    "iso-space": Case(
        "2026-11-23 09:00",
        "once",
        "2026-11-23T08:00:00+00:00",
        "once at 2026-11-23 09:00 (Europe/Paris)",
    ),
    "iso-date": Case(
        "2026-11-23", "once", "2026-11-22T23:00:00+00:00", "once at 2026-11-23 00:00 (Europe/Paris)"
    ),
    "iso-naive-utc-zone": Case(
        "2026-11-23 09:00",
        "once",
        "2026-11-23T09:00:00+00:00",
        "once at 2026-11-23 09:00 (UTC)",
        tz="UTC",
    ),
    # cron
    "cron-weekdays": Case(
        "0 9 * * 1-5", "cron", "2026-11-19T08:00:00+00:00", "cron '0 9 * * 1-5' (Europe/Paris)"
    ),
    "cron-names": Case(
        "0 9 * * mon-fri",
        "cron",
        "2026-11-19T08:00:00+00:00",
        "cron '0 9 * * MON-FRI' (Europe/Paris)",
    ),
    "cron-month-names": Case(
        "0 9 1 jan,jul *",
        "cron",
        "2027-01-01T08:00:00+00:00",
        "cron '0 9 1 JAN,JUL *' (Europe/Paris)",
    ),
    "cron-step": Case(
        "*/20 * * * *", "cron", "2026-11-18T14:40:00+00:00", "cron '*/20 * * * *' (Europe/Paris)"
    ),
    "cron-dom-or-dow": Case(
        "0 9 1 * fri", "cron", "2026-11-20T08:00:00+00:00", "cron '0 9 1 * FRI' (Europe/Paris)"
    ),
    "cron-last-day": Case(
        "0 0 L * *", "cron", "2026-11-29T23:00:00+00:00", "cron '0 0 L * *' (Europe/Paris)"
    ),
    "cron-last-friday": Case(
        "0 9 * * 5L", "cron", "2026-11-27T08:00:00+00:00", "cron '0 9 * * 5L' (Europe/Paris)"
    ),
    "cron-second-monday": Case(
        "0 9 * * mon#2", "cron", "2026-12-14T08:00:00+00:00", "cron '0 9 * * MON#2' (Europe/Paris)"
    ),
    "cron-at-now-inclusive": Case(
        "30 14 * * *", "cron", "2026-11-18T14:30:00+00:00", "cron '30 14 * * *' (UTC)", tz="UTC"
    ),
    "alias-yearly": Case(
        "@yearly", "cron", "2026-12-31T23:00:00+00:00", "cron '@yearly' (Europe/Paris)"
    ),
    "alias-annually": Case(
        "@annually", "cron", "2026-12-31T23:00:00+00:00", "cron '@annually' (Europe/Paris)"
    ),
    "alias-monthly": Case(
        "@monthly", "cron", "2026-11-30T23:00:00+00:00", "cron '@monthly' (Europe/Paris)"
    ),
    "alias-weekly": Case(
        "@weekly", "cron", "2026-11-21T23:00:00+00:00", "cron '@weekly' (Europe/Paris)"
    ),
    "alias-daily": Case(
        "@daily", "cron", "2026-11-18T23:00:00+00:00", "cron '@daily' (Europe/Paris)"
    ),
    "alias-midnight": Case(
        "@midnight", "cron", "2026-11-18T23:00:00+00:00", "cron '@midnight' (Europe/Paris)"
    ),
    "alias-hourly": Case(
        "@hourly", "cron", "2026-11-18T15:00:00+00:00", "cron '@hourly' (Europe/Paris)"
    ),
    # recurring phrases
    "every-15-minutes": Case(
        "every 15 minutes", "interval", "2026-11-18T14:45:00+00:00", "every 15 minutes"
    ),
    "every-2-hours": Case(
        "every 2 hours", "interval", "2026-11-18T16:30:00+00:00", "every 2 hours"
    ),
    "every-minute": Case("every minute", "interval", "2026-11-18T14:31:00+00:00", "every 1 minute"),
    "every-hour": Case("every hour", "interval", "2026-11-18T15:30:00+00:00", "every 1 hour"),
    "every-2-days": Case("every 2 days", "interval", "2026-11-20T14:30:00+00:00", "every 2 days"),
    "every-1h30m": Case("every 1h30m", "interval", "2026-11-18T16:00:00+00:00", "every 90 minutes"),
    "every-day": Case(
        "every day", "cron", "2026-11-18T23:00:00+00:00", "every day at 00:00 (Europe/Paris)"
    ),
    "every-day-at-9am": Case(
        "every day at 9am", "cron", "2026-11-19T08:00:00+00:00", "every day at 09:00 (Europe/Paris)"
    ),
    "every-weekday-at-9:30": Case(
        "every weekday at 9:30",
        "cron",
        "2026-11-19T08:30:00+00:00",
        "every weekday at 09:30 (Europe/Paris)",
    ),
    "every-weekday-ny": Case(
        "every weekday at 9:30",
        "cron",
        "2026-11-18T14:30:00+00:00",
        "every weekday at 09:30 (America/New_York)",
        tz="America/New_York",
    ),
    "every-weekend-at-10am": Case(
        "every weekend at 10am",
        "cron",
        "2026-11-21T09:00:00+00:00",
        "every weekend at 10:00 (Europe/Paris)",
    ),
    "every-mon-and-fri": Case(
        "every monday and friday at 17:00",
        "cron",
        "2026-11-20T16:00:00+00:00",
        "every monday and friday at 17:00 (Europe/Paris)",
    ),
    "every-mon-wed-fri": Case(
        "every mon, wed and fri at 8am",
        "cron",
        "2026-11-20T07:00:00+00:00",
        "every monday, wednesday and friday at 08:00 (Europe/Paris)",
    ),
    "every-monday-at-9": Case(
        "every monday at 9",
        "cron",
        "2026-11-23T08:00:00+00:00",
        "every monday at 09:00 (Europe/Paris)",
    ),
    "every-month-1st-at-9": Case(
        "every month on the 1st at 9",
        "cron",
        "2026-12-01T08:00:00+00:00",
        "every month on the 1st at 09:00 (Europe/Paris)",
    ),
    "every-month-15th": Case(
        "every month on the 15th",
        "cron",
        "2026-12-14T23:00:00+00:00",
        "every month on the 15th at 00:00 (Europe/Paris)",
    ),
    "every-month-last-day": Case(
        "every month on the last day at 18:00",
        "cron",
        "2026-11-30T17:00:00+00:00",
        "every month on the last day at 18:00 (Europe/Paris)",
    ),
    "hourly": Case(
        "hourly", "cron", "2026-11-18T15:00:00+00:00", "every hour at :00 (Europe/Paris)"
    ),
    "daily": Case(
        "daily", "cron", "2026-11-18T23:00:00+00:00", "every day at 00:00 (Europe/Paris)"
    ),
    "daily-at-6pm": Case(
        "daily at 6pm", "cron", "2026-11-18T17:00:00+00:00", "every day at 18:00 (Europe/Paris)"
    ),
    "weekly": Case(
        "weekly", "cron", "2026-11-21T23:00:00+00:00", "every sunday at 00:00 (Europe/Paris)"
    ),
    "weekly-on-monday": Case(
        "weekly on monday at 9",
        "cron",
        "2026-11-23T08:00:00+00:00",
        "every monday at 09:00 (Europe/Paris)",
    ),
    "monthly": Case(
        "monthly",
        "cron",
        "2026-11-30T23:00:00+00:00",
        "every month on the 1st at 00:00 (Europe/Paris)",
    ),
    # repeat
    "repeat-daily-10-times": Case(
        "tomorrow at 9am",
        "interval",
        "2026-11-19T08:00:00+00:00",
        "every 1 day, 10 times",
        repeat={"interval": "1d", "times": 10},
    ),
    "repeat-iso-interval": Case(
        "now", "interval", "2026-11-18T14:30:00+00:00", "every 1 hour", repeat={"interval": "PT1H"}
    ),
    "repeat-seconds-interval": Case(
        "in 1 hour",
        "interval",
        "2026-11-18T15:30:00+00:00",
        "every 90 minutes",
        repeat={"interval": 5400},
    ),
    "repeat-until": Case(
        "now",
        "interval",
        "2026-11-18T14:30:00+00:00",
        "every 30 minutes, until 2026-11-19 00:00 (Europe/Paris)",
        repeat={"interval": "30m", "until": "2026-11-19"},
    ),
    "recurring-with-limits": Case(
        "every weekday at 9:30",
        "cron",
        "2026-11-19T08:30:00+00:00",
        "every weekday at 09:30 (Europe/Paris), 3 times, until 2026-12-31 12:00 (Europe/Paris)",
        repeat={"times": 3, "until": "2026-12-31T11:00:00Z"},
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_form(case: Case) -> None:
    schedule = parse_schedule(case.when, timezone=case.tz, now=NOW, repeat=case.repeat)
    assert schedule.kind == case.kind
    assert schedule.first_fire is not None
    assert schedule.first_fire.isoformat() == case.first
    assert schedule.first_fire.tzinfo is UTC
    assert schedule.description == case.description
    assert schedule.timezone == case.tz


def test_now_accepts_any_zone() -> None:
    from zoneinfo import ZoneInfo

    local_now = NOW.astimezone(ZoneInfo("Asia/Tokyo"))
    schedule = parse_schedule("now", now=local_now)
    assert schedule.first_fire == NOW
    assert schedule.first_fire is not None and schedule.first_fire.tzinfo is UTC


def test_repeat_now_every_second_three_times() -> None:
    schedule = parse_schedule("now", now=NOW, repeat={"interval": "1s", "times": 3})
    assert [f.isoformat() for f in schedule.next_runs(10)] == [
        "2026-11-18T14:30:00+00:00",
        "2026-11-18T14:30:01+00:00",
        "2026-11-18T14:30:02+00:00",
    ]
    assert schedule.max_fires == 3


def test_repeat_until_is_inclusive() -> None:
    schedule = parse_schedule(
        "now", now=NOW, repeat={"interval": "1h", "until": "2026-11-18T16:30:00Z"}
    )
    assert [f.hour for f in schedule.next_runs(10)] == [14, 15, 16]
    assert schedule.end_at == datetime(2026, 11, 18, 16, 30, tzinfo=UTC)


def test_interval_anchor_is_now_plus_interval() -> None:
    schedule = parse_schedule("every 15 minutes", now=NOW)
    assert [f.isoformat() for f in schedule.next_runs(3)] == [
        "2026-11-18T14:45:00+00:00",
        "2026-11-18T15:00:00+00:00",
        "2026-11-18T15:15:00+00:00",
    ]
