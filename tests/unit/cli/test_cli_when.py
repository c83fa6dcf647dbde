"""``pulse when``: parsed locally with ``runagent_pulse.timespec`` (no server)."""

from __future__ import annotations

import json

import pytest

from tests.unit.cli.cli_fakes import invoke

NOW = "2026-11-22T09:00:00Z"  # a Sunday


def test_when_json_prints_kind_description_zone_and_utc_fires() -> None:
    result = invoke(
        "when",
        "every weekday at 9:30",
        "--tz",
        "Europe/Paris",
        "--now",
        NOW,
        "--count",
        "2",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kind"] == "cron"
    assert data["timezone"] == "Europe/Paris"
    assert "09:30" in data["description"]
    assert data["next_runs"] == ["2026-11-23T08:30:00Z", "2026-11-24T08:30:00Z"]


def test_when_table_shows_utc_and_the_zone() -> None:
    result = invoke("when", "tomorrow at 9am", "--tz", "America/New_York", "--now", NOW)
    assert result.exit_code == 0, result.output
    assert "Kind:" in result.stdout and "once" in result.stdout
    assert "2026-11-23T14:00:00Z" in result.stdout
    assert "2026-11-23T09:00:00-05:00" in result.stdout


def test_when_naive_now_is_wall_time_in_the_zone() -> None:
    result = invoke(
        "when", "in 1 hour", "--tz", "Europe/Paris", "--now", "2026-07-01T12:00", "--json"
    )
    assert json.loads(result.stdout)["next_runs"] == ["2026-07-01T11:00:00Z"]


def test_when_with_repeat() -> None:
    result = invoke(
        "when",
        "now",
        "--now",
        NOW,
        "--repeat-interval",
        "1h",
        "--repeat-times",
        "3",
        "--count",
        "5",
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["next_runs"] == [
        "2026-11-22T09:00:00Z",
        "2026-11-22T10:00:00Z",
        "2026-11-22T11:00:00Z",
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["soonish"],
        ["every day", "--tz", "Mars/Olympus"],
        ["now", "--now", "yesterday"],
        ["2020-01-01T00:00:00Z", "--now", NOW],
    ],
    ids=["unparseable", "bad-zone", "bad-now", "past-instant"],
)
def test_when_invalid_input_exits_2_with_a_message(args: list[str]) -> None:
    result = invoke("when", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")
    assert result.stdout == ""


def test_a_zone_in_the_wrong_case_gets_the_same_suggestion_as_from_the_server() -> None:
    from runagent_pulse.timespec import TimespecError, load_zone

    result = invoke("when", "now", "--tz", "america/new_york")
    assert result.exit_code == 2
    with pytest.raises(TimespecError) as server_side:
        load_zone("america/new_york")
    assert result.stderr == f"Error: {server_side.value}\n"
    assert "did you mean 'America/New_York'?" in result.stderr
