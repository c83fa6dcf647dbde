"""``pulse when``: show how a ``when`` expression is read, locally (no server needed)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table
from rich.text import Text

from runagent_pulse.cli import output
from runagent_pulse.cli.output import JsonFlag
from runagent_pulse.cli.tasks_cmds import build_repeat
from runagent_pulse.timespec import TimespecError, load_zone


def iso_utc(moment: datetime) -> str:
    """``2026-11-23T08:00:00Z``: the API's way of writing an instant."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _zone(name: str) -> ZoneInfo:
    """The zone, or exit 2 with the message the server gives (with its suggestion)."""
    try:
        return load_zone(name)
    except TimespecError as exc:
        raise output.fail(str(exc), output.EXIT_INPUT) from None


def _now(text: str | None, zone: ZoneInfo) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise output.fail(
            f"--now {text!r} is not ISO 8601 (e.g. 2026-11-22T09:00:00Z)", output.EXIT_INPUT
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)  # wall time in --tz


def when(
    expression: Annotated[str, typer.Argument(metavar="EXPR", help="e.g. 'every weekday at 9'.")],
    tz: Annotated[str, typer.Option("--tz", help="IANA time zone of the expression.")] = "UTC",
    now: Annotated[
        str | None, typer.Option(help="Pretend it is this instant (ISO; naive = in --tz).")
    ] = None,
    count: Annotated[int, typer.Option(min=1, max=100, help="How many fires to show.")] = 5,
    repeat_interval: Annotated[
        str | None, typer.Option(help="Repeat every: '1d', '30m', 'PT1H' or seconds.")
    ] = None,
    repeat_times: Annotated[int | None, typer.Option(min=1, help="Stop after N runs.")] = None,
    repeat_until: Annotated[str | None, typer.Option(help="Stop repeating at (ISO).")] = None,
    json_output: JsonFlag = False,
) -> None:
    """Show how EXPR is understood and when it fires next (parsed locally)."""
    from runagent_pulse.timespec import TimespecError, parse_schedule

    zone = _zone(tz)
    moment = _now(now, zone)
    repeat = build_repeat(repeat_interval, repeat_times, repeat_until)
    try:
        schedule = parse_schedule(expression, timezone=tz, now=moment, repeat=repeat)
        fires: list[datetime] = list(schedule.next_runs(count))
    except TimespecError as exc:
        raise output.fail(str(exc), output.EXIT_INPUT) from None
    data: dict[str, Any] = {
        "kind": schedule.kind,
        "description": schedule.description,
        "timezone": schedule.timezone,
        "next_runs": [iso_utc(fire) for fire in fires],
    }
    if json_output:
        output.print_json(data)
        return
    output.console.print(Text.assemble(("Kind:        ", "bold"), str(schedule.kind)))
    output.console.print(Text.assemble(("Description: ", "bold"), str(schedule.description)))
    output.console.print(Text.assemble(("Time zone:   ", "bold"), str(schedule.timezone)))
    display_zone = _zone(str(schedule.timezone or tz))
    table = Table(title="Next fires", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("UTC", no_wrap=True)
    table.add_column(str(display_zone.key), no_wrap=True)
    for index, fire in enumerate(fires, start=1):
        table.add_row(str(index), iso_utc(fire), fire.astimezone(display_zone).isoformat())
    if fires:
        output.console.print(table)
    else:
        output.console.print("No upcoming fires.")
