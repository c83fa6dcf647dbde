"""DST policy in named zones, with ISO expectations.

2026 transitions used here:
- America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT (07:00Z); 2026-11-01 02:00 EDT -> 01:00 EST
  (06:00Z).
- Europe/London: 2026-03-29 01:00 GMT -> 02:00 BST (01:00Z); 2026-10-25 02:00 BST -> 01:00 GMT
  (01:00Z).
- Australia/Lord_Howe (30-minute shift): 2026-04-05 02:00 +11 -> 01:30 +10:30 (15:00Z on 04-04);
  2026-10-04 02:00 +10:30 -> 02:30 +11 (15:30Z on 10-03).
- Asia/Tokyo: no DST.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

import pytest

from runagent_pulse.timespec import dst_note, parse_schedule


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


class DstCase(NamedTuple):
    when: str
    tz: str
    now: str
    fires: list[str]  # the first len(fires) fires, UTC ISO


CASES = {
    # spring-forward gap: a missing wall time fires at the first instant after the gap
    "ny-gap-one-off": DstCase(
        "tomorrow at 2:30am", "America/New_York", "2026-03-07T12:00Z", ["2026-03-08T07:00:00+00:00"]
    ),
    "ny-gap-daily": DstCase(
        "every day at 2:30am",
        "America/New_York",
        "2026-03-07T12:00Z",
        ["2026-03-08T07:00:00+00:00", "2026-03-09T06:30:00+00:00"],
    ),
    "ny-gap-iso-naive": DstCase(
        "2026-03-08 02:30", "America/New_York", "2026-03-07T12:00Z", ["2026-03-08T07:00:00+00:00"]
    ),
    "london-gap-one-off": DstCase(
        "tomorrow at 1:30am", "Europe/London", "2026-03-28T12:00Z", ["2026-03-29T01:00:00+00:00"]
    ),
    "lord-howe-gap-one-off": DstCase(
        "tomorrow at 2:15am",
        "Australia/Lord_Howe",
        "2026-10-03T02:00Z",
        ["2026-10-03T15:30:00+00:00"],
    ),
    "lord-howe-gap-daily": DstCase(
        "15 2 * * *",
        "Australia/Lord_Howe",
        "2026-10-03T02:00Z",
        ["2026-10-03T15:30:00+00:00", "2026-10-04T15:15:00+00:00"],
    ),
    # fall-back fold: a repeated wall time fires once, at the first occurrence
    "ny-fold-one-off": DstCase(
        "tomorrow at 1:30am", "America/New_York", "2026-10-31T12:00Z", ["2026-11-01T05:30:00+00:00"]
    ),
    "ny-fold-daily": DstCase(
        "every day at 1:30am",
        "America/New_York",
        "2026-10-31T12:00Z",
        ["2026-11-01T05:30:00+00:00", "2026-11-02T06:30:00+00:00"],
    ),
    "london-fold-daily": DstCase(
        "30 1 * * *",
        "Europe/London",
        "2026-10-24T12:00Z",
        ["2026-10-25T00:30:00+00:00", "2026-10-26T01:30:00+00:00"],
    ),
    "lord-howe-fold-one-off": DstCase(
        "tomorrow at 1:45am",
        "Australia/Lord_Howe",
        "2026-04-04T02:00Z",
        ["2026-04-04T14:45:00+00:00"],
    ),
    "lord-howe-fold-daily": DstCase(
        "every day at 1:45am",
        "Australia/Lord_Howe",
        "2026-04-04T02:00Z",
        ["2026-04-04T14:45:00+00:00", "2026-04-05T15:15:00+00:00"],
    ),
    # at least hourly: elapsed time, every real hour through the fold (both 01:00s)
    "ny-hourly-fold": DstCase(
        "0 * * * *",
        "America/New_York",
        "2026-11-01T04:00Z",
        [
            "2026-11-01T04:00:00+00:00",
            "2026-11-01T05:00:00+00:00",
            "2026-11-01T06:00:00+00:00",
            "2026-11-01T07:00:00+00:00",
        ],
    ),
    "ny-hourly-phrase-fold": DstCase(
        "hourly",
        "America/New_York",
        "2026-11-01T04:30Z",
        ["2026-11-01T05:00:00+00:00", "2026-11-01T06:00:00+00:00", "2026-11-01T07:00:00+00:00"],
    ),
    "ny-half-hourly-fold": DstCase(
        "*/30 * * * *",
        "America/New_York",
        "2026-11-01T05:00Z",
        [
            "2026-11-01T05:00:00+00:00",
            "2026-11-01T05:30:00+00:00",
            "2026-11-01T06:00:00+00:00",
            "2026-11-01T06:30:00+00:00",
        ],
    ),
    "ny-hourly-gap": DstCase(
        "0 * * * *",
        "America/New_York",
        "2026-03-08T05:00Z",
        ["2026-03-08T05:00:00+00:00", "2026-03-08T06:00:00+00:00", "2026-03-08T07:00:00+00:00"],
    ),
    "london-hourly-fold": DstCase(
        "@hourly",
        "Europe/London",
        "2026-10-24T23:30Z",
        ["2026-10-25T00:00:00+00:00", "2026-10-25T01:00:00+00:00", "2026-10-25T02:00:00+00:00"],
    ),
    "lord-howe-hourly-fold": DstCase(
        "0 * * * *",
        "Australia/Lord_Howe",
        "2026-04-04T13:00Z",
        [
            "2026-04-04T13:00:00+00:00",
            "2026-04-04T14:00:00+00:00",
            "2026-04-04T15:30:00+00:00",
            "2026-04-04T16:30:00+00:00",
        ],
    ),
    "ny-interval-fold": DstCase(
        "every hour",
        "America/New_York",
        "2026-11-01T04:00Z",
        ["2026-11-01T05:00:00+00:00", "2026-11-01T06:00:00+00:00", "2026-11-01T07:00:00+00:00"],
    ),
    "ny-in-hours-across-fold": DstCase(
        "in 3 hours", "America/New_York", "2026-11-01T04:00Z", ["2026-11-01T07:00:00+00:00"]
    ),
    # "tomorrow at 9am" on the eve of a change keeps the wall time
    "ny-eve-spring": DstCase(
        "tomorrow at 9am", "America/New_York", "2026-03-07T12:00Z", ["2026-03-08T13:00:00+00:00"]
    ),
    "ny-eve-fall": DstCase(
        "tomorrow at 9am", "America/New_York", "2026-10-31T12:00Z", ["2026-11-01T14:00:00+00:00"]
    ),
    "london-eve-spring": DstCase(
        "tomorrow at 9am", "Europe/London", "2026-03-28T12:00Z", ["2026-03-29T08:00:00+00:00"]
    ),
    "lord-howe-eve-fall": DstCase(
        "tomorrow at 9am", "Australia/Lord_Howe", "2026-04-04T02:00Z", ["2026-04-04T22:30:00+00:00"]
    ),
    # daily cron across a change keeps the wall time
    "ny-daily-across-spring": DstCase(
        "0 9 * * *",
        "America/New_York",
        "2026-03-07T12:00Z",
        ["2026-03-07T14:00:00+00:00", "2026-03-08T13:00:00+00:00", "2026-03-09T13:00:00+00:00"],
    ),
    "london-daily-across-fall": DstCase(
        "every day at 9am",
        "Europe/London",
        "2026-10-24T12:00Z",
        ["2026-10-25T09:00:00+00:00", "2026-10-26T09:00:00+00:00"],
    ),
    "lord-howe-daily-across-spring": DstCase(
        "every day at 9am",
        "Australia/Lord_Howe",
        "2026-10-03T12:00Z",
        ["2026-10-03T22:00:00+00:00", "2026-10-04T22:00:00+00:00"],
    ),
    # a daily *interval* is elapsed time: the wall time shifts by the DST change
    "ny-daily-interval-shifts": DstCase(
        "2026-03-07 09:00",
        "America/New_York",
        "2026-03-07T12:00Z",
        ["2026-03-07T14:00:00+00:00", "2026-03-08T14:00:00+00:00"],
    ),
    # no DST: sanity
    "tokyo-daily": DstCase(
        "every day at 2:30am",
        "Asia/Tokyo",
        "2026-03-07T12:00Z",
        ["2026-03-07T17:30:00+00:00", "2026-03-08T17:30:00+00:00"],
    ),
    "tokyo-hourly": DstCase(
        "0 * * * *",
        "Asia/Tokyo",
        "2026-11-01T04:10Z",
        ["2026-11-01T05:00:00+00:00", "2026-11-01T06:00:00+00:00"],
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_dst(case: DstCase) -> None:
    repeat = {"interval": "1d"} if case.when.startswith("2026-") else None
    schedule = parse_schedule(case.when, timezone=case.tz, now=utc(case.now), repeat=repeat)
    fires = schedule.next_runs(len(case.fires))
    assert [fire.isoformat() for fire in fires] == case.fires
    assert all(fire.tzinfo is UTC for fire in fires)


def test_fixed_time_in_fold_second_occurrence_does_not_fire_again() -> None:
    # now = 01:45 EST (the second 01:45); 01:50 happened first at 05:50Z (EDT), already past.
    schedule = parse_schedule(
        "50 1 * * *", timezone="America/New_York", now=utc("2026-11-01T06:45Z")
    )
    assert schedule.first_fire == utc("2026-11-02T06:50Z")


def test_next_after_previous_in_fold_strictly_later() -> None:
    schedule = parse_schedule(
        "every day at 1:30am", timezone="America/New_York", now=utc("2026-10-31T12:00Z")
    )
    previous = utc("2026-11-01T06:30Z")  # 01:30 EST, the second occurrence
    fire = schedule.next_after(previous)
    assert fire == utc("2026-11-02T06:30Z")


NOTES = {
    # (instant, zone): the start of the note, or None
    "ny-gap": ("2026-03-08T07:00Z", "America/New_York", "clocks go forward 60 min"),
    "lord-howe-gap": ("2026-10-03T15:30Z", "Australia/Lord_Howe", "clocks go forward 30 min"),
    "ny-fold-first": ("2026-11-01T05:30Z", "America/New_York", "01:30 occurs twice on 2026-11-01"),
    "ny-fold-second": ("2026-11-01T06:30Z", "America/New_York", "01:30 occurs twice"),
    "ny-plain": ("2026-11-02T06:30Z", "America/New_York", None),
    "tokyo": ("2026-03-08T07:00Z", "Asia/Tokyo", None),
}


@pytest.mark.parametrize("case", NOTES.values(), ids=NOTES.keys())
def test_dst_note(case: tuple[str, str, str | None]) -> None:
    instant, zone, expected = case
    note = dst_note(utc(instant), zone)
    if expected is None:
        assert note is None
    else:
        assert note is not None and note.startswith(expected), note


def test_dst_note_names_which_occurrence_of_a_fold() -> None:
    assert "first time" in (dst_note(utc("2026-11-01T05:30Z"), "America/New_York") or "")
    assert "second time" in (dst_note(utc("2026-11-01T06:30Z"), "America/New_York") or "")
