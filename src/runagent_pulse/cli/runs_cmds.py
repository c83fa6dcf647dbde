"""``pulse runs …``: inspect and control runs (executions) and their callback deliveries."""

from __future__ import annotations

from typing import Annotated

import typer

from runagent_pulse.cli import output
from runagent_pulse.cli._client import open_client
from runagent_pulse.cli.output import JsonFlag

runs_app = typer.Typer(
    help="List, inspect and cancel runs; see their events and deliveries.",
    no_args_is_help=True,
)

RunId = Annotated[str, typer.Argument(metavar="RUN_ID", help="A run id (run_…).")]


@runs_app.command("list")
def list_runs(
    ctx: typer.Context,
    task_id: Annotated[str | None, typer.Option(help="Only this task's runs.")] = None,
    status: Annotated[
        str | None,
        typer.Option(help="scheduled, running, success, failed, timeout, cancelled or skipped."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many (newest first).")] = 50,
    json_output: JsonFlag = False,
) -> None:
    """List runs, newest first."""
    with open_client(ctx) as client:
        runs = client.list_runs(task_id, status, limit)
    output.emit(runs, as_json=json_output, render=output.runs_table)


@runs_app.command("show")
def show_run(ctx: typer.Context, run_id: RunId, json_output: JsonFlag = False) -> None:
    """Show one run with its result or error."""
    with open_client(ctx) as client:
        run = client.get_run(run_id)
    output.emit(run, as_json=json_output, render=output.run_detail)


@runs_app.command("cancel")
def cancel_run(ctx: typer.Context, run_id: RunId, json_output: JsonFlag = False) -> None:
    """Cancel a scheduled run, or stop a running one."""
    with open_client(ctx) as client:
        run = client.cancel_run(run_id)
    output.emit(run, as_json=json_output, render=output.run_detail)


@runs_app.command("deliveries")
def run_deliveries(ctx: typer.Context, run_id: RunId, json_output: JsonFlag = False) -> None:
    """The callback deliveries of a run: attempts, status, last response."""
    with open_client(ctx) as client:
        deliveries = client.get_deliveries(run_id)
    output.emit(deliveries, as_json=json_output, render=output.deliveries_table)


@runs_app.command("events")
def run_events(ctx: typer.Context, run_id: RunId, json_output: JsonFlag = False) -> None:
    """What the run's executor reported while it ran (steps, stream chunks, messages)."""
    with open_client(ctx) as client:
        events = client.get_run_events(run_id)
    output.emit(events, as_json=json_output, render=output.events_table)


@runs_app.command("redeliver")
def redeliver(ctx: typer.Context, run_id: RunId, json_output: JsonFlag = False) -> None:
    """POST the run's result to its callback URL again."""
    with open_client(ctx) as client:
        delivery = client.redeliver(run_id)
    if json_output:
        output.print_json(delivery)
    else:
        output.deliveries_table([delivery])
