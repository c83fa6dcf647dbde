"""Schedule evaluation (next_after, next_runs, fires_between) and persistence (to_spec)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import runagent_pulse.timespec as timespec
from runagent_pulse.timespec import Schedule, TimespecError, parse_schedule, schedule_from_spec

NOW = datetime(2026, 11, 18, 14, 30, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_public_surface() -> None:
    assert timespec.__all__ == sorted(timespec.__all__)
    assert set(timespec.__all__) == {
        "Schedule",
        "TimespecError",
        "dst_note",
        "load_zone",
        "parse_duration",
        "parse_schedule",
        "schedule_from_spec",
    }
    assert TimespecError.code == "invalid_when"


def test_once_has_no_next_after_its_instant() -> None:
    schedule = parse_schedule("in 5 minutes", now=NOW)
    assert schedule.next_after(at("2026-11-18T14:35Z")) is None
    assert schedule.next_after(NOW) == at("2026-11-18T14:35Z")
    assert schedule.next_runs(3) == [at("2026-11-18T14:35Z")]


def test_cron_next_after_is_strictly_later() -> None:
    schedule = parse_schedule("0 9 * * *", now=NOW)
    fire = at("2026-11-19T09:00Z")
    assert schedule.next_after(fire) == at("2026-11-20T09:00Z")
    assert schedule.next_after(fire - timedelta(microseconds=1)) == fire
    assert schedule.next_after(fire + timedelta(microseconds=500)) == at("2026-11-20T09:00Z")


def test_next_after_from_previous_scheduled_fire_not_clock() -> None:
    schedule = parse_schedule("every 15 minutes", now=NOW)
    late_previous = at("2026-11-18T14:45Z")
    assert schedule.next_after(late_previous) == at("2026-11-18T15:00Z")
    # a previous value off the grid still lands on the grid
    assert schedule.next_after(at("2026-11-18T14:52:10Z")) == at("2026-11-18T15:00Z")


def test_end_at_stops_next_after() -> None:
    schedule = parse_schedule("every day at 9am", now=NOW, repeat={"until": "2026-11-20T09:00Z"})
    assert schedule.next_runs(10) == [at("2026-11-19T09:00Z"), at("2026-11-20T09:00Z")]
    assert schedule.next_after(at("2026-11-20T09:00Z")) is None


def test_next_runs_honours_max_fires_but_next_after_does_not_count() -> None:
    schedule = parse_schedule("hourly", now=NOW, repeat={"times": 2})
    assert schedule.next_runs(5) == [at("2026-11-18T15:00Z"), at("2026-11-18T16:00Z")]
    assert schedule.next_after(at("2026-11-18T16:00Z")) == at("2026-11-18T17:00Z")
    assert schedule.next_runs(0) == []


def test_fires_between_for_catch_up() -> None:
    schedule = parse_schedule("0 * * * *", now=NOW)
    fires = schedule.fires_between(at("2026-11-18T16:00Z"), at("2026-11-18T20:00Z"), limit=10)
    assert fires == [at(f"2026-11-18T{hour}:00Z") for hour in (17, 18, 19, 20)]
    assert schedule.fires_between(at("2026-11-18T16:00Z"), at("2026-11-18T20:00Z"), 2) == fires[:2]
    # fires never start before first_fire
    early = schedule.fires_between(at("2026-11-18T00:00Z"), at("2026-11-18T16:00Z"), 10)
    assert early == [at("2026-11-18T15:00Z"), at("2026-11-18T16:00Z")]


def test_fires_between_interval_and_once() -> None:
    interval = parse_schedule(
        "now", now=NOW, repeat={"interval": "10m", "until": "2026-11-18T15:00Z"}
    )
    assert interval.fires_between(NOW, at("2026-11-18T23:00Z"), 100) == [
        at("2026-11-18T14:40Z"),
        at("2026-11-18T14:50Z"),
        at("2026-11-18T15:00Z"),
    ]
    once = parse_schedule("in 1 hour", now=NOW)
    assert once.fires_between(NOW, at("2026-11-18T15:30Z"), 5) == [at("2026-11-18T15:30Z")]
    assert once.fires_between(NOW, at("2026-11-18T15:29Z"), 5) == []


def test_naive_previous_rejected() -> None:
    schedule = parse_schedule("hourly", now=NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        schedule.next_after(datetime(2026, 11, 18, 15))


SPEC_CASES = {
    "once": ("tomorrow at 9am", "Europe/Paris", None),
    "cron": ("0 9 * * mon-fri", "America/New_York", {"times": 5}),
    "cron-phrase": ("every weekday at 9:30", "Australia/Lord_Howe", {"until": "2027-01-01"}),
    "interval-phrase": ("every 90 minutes", "UTC", None),
    "interval-repeat": ("now", "Asia/Tokyo", {"interval": "PT0H1.5S", "times": 3}),
}


@pytest.mark.parametrize(("when", "tz", "repeat"), SPEC_CASES.values(), ids=SPEC_CASES.keys())
def test_spec_round_trip(when: str, tz: str, repeat: dict[str, Any] | None) -> None:
    schedule = parse_schedule(when, timezone=tz, now=NOW, repeat=repeat)
    spec = schedule.to_spec()
    assert spec["version"] == 1
    restored = schedule_from_spec(json.loads(json.dumps(spec)))
    assert restored == schedule
    assert restored.next_runs(5) == schedule.next_runs(5)


def test_spec_contents() -> None:
    spec = parse_schedule("every 15 minutes", now=NOW, repeat={"times": 4}).to_spec()
    assert spec == {
        "version": 1,
        "kind": "interval",
        "timezone": "UTC",
        "description": "every 15 minutes, 4 times",
        "first_fire": "2026-11-18T14:45:00+00:00",
        "end_at": None,
        "max_fires": 4,
        "interval_seconds": 900,
    }
    assert parse_schedule("0 9 * * *", now=NOW).to_spec()["cron"] == "0 9 * * *"


def test_newer_spec_version_rejected() -> None:
    spec = parse_schedule("hourly", now=NOW).to_spec() | {"version": 2}
    with pytest.raises(TimespecError, match="newer than"):
        schedule_from_spec(spec)


@pytest.mark.parametrize(
    ("patch", "fragment"),
    [
        ({"version": "1"}, "version"),
        ({"kind": "sometimes"}, "'sometimes'"),
        ({"timezone": "Nowhere/Land"}, "'Nowhere/Land'"),
        ({"cron": "61 * * * *"}, "minute"),
        ({"first_fire": "yesterday"}, "first_fire"),
        ({"max_fires": 0}, "max_fires"),
    ],
    ids=["version-type", "kind", "timezone", "cron", "first-fire", "max-fires"],
)
def test_bad_spec_rejected(patch: dict[str, Any], fragment: str) -> None:
    spec = parse_schedule("hourly", now=NOW).to_spec() | patch
    with pytest.raises(TimespecError, match=fragment):
        schedule_from_spec(spec)


def test_schedule_requires_its_parts() -> None:
    with pytest.raises(ValueError, match="cron"):
        Schedule(kind="cron", description="x", timezone="UTC", first_fire=NOW)
