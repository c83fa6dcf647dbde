"""How the CLI prints: rich tables and detail views for people, ``--json`` for scripts."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

# Exit codes, documented in the --help epilog and docs/cli.md.
EXIT_OK = 0
EXIT_SERVER = 1  # server or connection error (and a waited-for run that failed)
EXIT_INPUT = 2  # bad input: usage errors and 4xx validation/auth/conflict answers
EXIT_NOT_FOUND = 3
EXIT_TIMEOUT = 4
EXIT_PORT_IN_USE = 5  # a server command's port is taken

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]

console = Console(highlight=False, soft_wrap=False)

STATUS_STYLES = {
    "active": "green",
    "success": "green",
    "completed": "green",
    "delivered": "green",
    "running": "cyan",
    "scheduled": "blue",
    "pending": "blue",
    "paused": "yellow",
    "skipped": "yellow",
    "failed": "red",
    "timeout": "red",
    "error": "red",
    "cancelled": "dim",
    "alive": "green",
    "dead": "red",
    "stopped": "dim",
}


def print_json(data: Any) -> None:
    """Plain, indented JSON on stdout (no colour, no wrapping: safe to pipe into ``jq``)."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def emit(data: Any, *, as_json: bool, render: Callable[[Any], None]) -> None:
    """Print ``data`` as JSON (``--json``) or with its human ``render``-er."""
    if as_json:
        print_json(data)
    else:
        render(data)


def error(message: str) -> None:
    typer.echo(f"Error: {message}", err=True)


def fail(message: str, code: int) -> typer.Exit:
    """Print ``Error: message`` on stderr and return the Exit to raise."""
    error(message)
    return typer.Exit(code)


def styled(value: Any) -> Text:
    """A status word in its colour (cells are ``Text``: user data is never read as markup)."""
    text = "-" if value is None else str(value)
    return Text(text, style=STATUS_STYLES.get(text, ""))


def cell(value: Any) -> Text:
    return Text("-" if value is None else str(value))


def instant(value: Any, zone: Any = None, *, seconds: bool = True) -> str:
    """An ISO instant as ``2026-11-23 08:00:00 UTC`` (or in ``zone``, a tzinfo); ``seconds=False``
    gives the compact ``2026-11-23 08:00`` used in tables (whose headers say UTC)."""
    if not value:
        return "-"
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(zone or UTC)
    if not seconds:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.strftime("%Y-%m-%d %H:%M:%S ") + (moment.tzname() or "")


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)


def _id_column(table: Table, header: str) -> None:
    """Ids are what people copy: never truncated (see :func:`_print_fitting`)."""
    table.add_column(header, no_wrap=True, min_width=len(header), style="bold")


FOLDED_MIN_WIDTH = 12
"""The narrowest a folding column (URL, error) gets before columns are dropped instead."""


def _print_fitting(table: Table, id_columns: int = 1) -> None:
    """Print ``table`` with every id whole: on a console too narrow for all its columns, the
    last columns are dropped (never the first ``id_columns``) until the rest fits."""
    while len(table.columns) > id_columns and _narrowest(table) > console.width:
        table.columns.pop()
    console.print(table)


def _narrowest(table: Table) -> int:
    """The width ``table`` needs without cutting a cell: whole cells in no-wrap columns, the
    longest word in wrapping ones, a few characters in folding ones, plus the padding."""
    width = 0
    for column in table.columns:
        texts = [str(column.header), *(str(cell) for cell in column.cells)]
        if column.no_wrap:
            width += max(len(text) for text in texts)
        elif column.overflow == "fold":
            width += FOLDED_MIN_WIDTH
        else:
            width += max((len(word) for text in texts for word in text.split()), default=1)
    return width + 2 * len(table.columns)


def duration_ms(value: Any) -> str:
    if value is None:
        return "-"
    seconds = float(value) / 1000
    return f"{seconds:.2f}s" if seconds < 60 else f"{seconds / 60:.1f}m"


def _schedule_text(task: Mapping[str, Any]) -> str:
    schedule = task.get("schedule") or {}
    return str(schedule.get("description") or task.get("when") or "-")


def _agent_text(task: Mapping[str, Any]) -> str:
    agent = f"{task.get('agent_id')}:{task.get('entrypoint_tag')}"
    return f"{task['name']} ({agent})" if task.get("name") else agent


def _error_text(error_value: Any) -> str:
    if not error_value:
        return "-"
    if isinstance(error_value, Mapping):
        kind, message = error_value.get("type"), error_value.get("message")
        return f"{kind}: {message}" if kind else str(message)
    return str(error_value)


WIDE = 110  # narrower consoles get two lines per row instead of a table


def tasks_table(tasks: Sequence[Mapping[str, Any]]) -> None:
    if not tasks:
        console.print("No tasks.")
        return
    if console.width < WIDE:
        for task in tasks:
            console.print(
                Text.assemble(
                    (str(task.get("task_id")), "bold"),
                    "  ",
                    styled(task.get("status")),
                    " · ",
                    styled(task.get("activity")),
                    f"  next {instant(task.get('next_run_at'), seconds=False)}",
                )
            )
            console.print(Text(f"    {_agent_text(task)} — {_schedule_text(task)}"))
        return
    table = _table("Tasks")
    _id_column(table, "ID")
    table.add_column("Agent", ratio=1)
    table.add_column("Schedule", ratio=2)
    table.add_column("Status", no_wrap=True)
    table.add_column("Activity", no_wrap=True)
    table.add_column("Next run (UTC)", no_wrap=True)
    for task in tasks:
        table.add_row(
            cell(task.get("task_id")),
            cell(_agent_text(task)),
            cell(_schedule_text(task)),
            styled(task.get("status")),
            styled(task.get("activity")),
            cell(instant(task.get("next_run_at"), seconds=False)),
        )
    _print_fitting(table)


def runs_table(runs: Sequence[Mapping[str, Any]]) -> None:
    """Runs, with a Task column only when they belong to more than one task."""
    if not runs:
        console.print("No runs.")
        return
    task_ids = {run.get("task_id") for run in runs}
    if console.width < WIDE:
        for run in runs:
            status = styled(run.get("status"))
            if (run.get("attempt") or 1) > 1:
                status.append(f" #{run['attempt']}")
            when = instant(run.get("scheduled_for"), seconds=False)
            console.print(
                Text.assemble(
                    (str(run.get("run_id")), "bold"),
                    "  ",
                    status,
                    f"  {run.get('trigger') or '-'}  {when} UTC",
                    f"  {duration_ms(run.get('duration_ms'))}",
                )
            )
            details = [f"task {run.get('task_id')}"] if len(task_ids) > 1 else []
            if run.get("error") or run.get("skip_reason"):
                details.append(_error_text(run.get("error") or run.get("skip_reason")))
            if details:
                console.print(Text("    " + " — ".join(details)))
        return
    table = _table(f"Runs of {next(iter(task_ids))}" if len(task_ids) == 1 else "Runs")
    _id_column(table, "Run")
    if len(task_ids) > 1:
        _id_column(table, "Task")
    table.add_column("Scheduled (UTC)", no_wrap=True)
    table.add_column("Trigger", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Took", justify="right", no_wrap=True)
    table.add_column("Error", ratio=1, overflow="fold")
    for run in runs:
        status = styled(run.get("status"))
        if (run.get("attempt") or 1) > 1:
            status.append(f" #{run['attempt']}")
        row = [cell(run.get("run_id"))]
        if len(task_ids) > 1:
            row.append(cell(run.get("task_id")))
        row += [
            cell(instant(run.get("scheduled_for"), seconds=False)),
            cell(run.get("trigger")),
            status,
            cell(duration_ms(run.get("duration_ms"))),
            cell(_error_text(run.get("error") or run.get("skip_reason"))),
        ]
        table.add_row(*row)
    _print_fitting(table, id_columns=2 if len(task_ids) > 1 else 1)


def deliveries_table(deliveries: Iterable[Mapping[str, Any]]) -> None:
    table = _table("Deliveries")
    _id_column(table, "Delivery")
    table.add_column("URL", ratio=1, overflow="fold")
    table.add_column("Status", no_wrap=True)
    table.add_column("Tries", justify="right", no_wrap=True)
    table.add_column("Response", no_wrap=True)
    table.add_column("Next attempt (UTC)", no_wrap=True)
    count = 0
    for item in deliveries:
        count += 1
        identifier = item.get("delivery_id") or item.get("id") or item.get("event_id")
        response = item.get("last_status_code") or item.get("response_status")
        table.add_row(
            cell(identifier),
            cell(item.get("url") or item.get("callback_url")),
            styled(item.get("status")),
            cell(item.get("attempt_count")),
            cell(response or _error_text(item.get("last_error"))),
            cell(instant(item.get("next_attempt_at"), seconds=False)),
        )
    if count:
        _print_fitting(table)
    else:
        console.print("No deliveries (the task has no callback_url, or the run is not finished).")


def events_table(events: Sequence[Mapping[str, Any]]) -> None:
    if not events:
        console.print("No events (the run's executor reported none, or it has not started).")
        return
    table = _table("Run events")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("At (UTC)", no_wrap=True)
    table.add_column("Kind", no_wrap=True, style="bold")
    table.add_column("Data", ratio=1, overflow="fold")
    for event in events:
        table.add_row(
            cell(event.get("seq")),
            cell(instant(event.get("at"))),
            cell(event.get("kind")),
            cell(_compact(event.get("data"))),
        )
    console.print(table)


def nodes_table(nodes: Sequence[Mapping[str, Any]]) -> None:
    if not nodes:
        console.print("No nodes have registered yet.")
        return
    table = _table("Nodes")
    _id_column(table, "Node")
    table.add_column("Role", no_wrap=True)
    table.add_column("State", no_wrap=True)
    table.add_column("Running", justify="right", no_wrap=True)
    table.add_column("Host:pid", no_wrap=True)
    table.add_column("Version", no_wrap=True)
    table.add_column("Last heartbeat (UTC)", no_wrap=True)
    for node in nodes:
        table.add_row(
            cell(node.get("node_id")),
            cell(node.get("role")),
            styled(node.get("state")),
            cell(node.get("running_runs")),
            cell(f"{node.get('host')}:{node.get('pid')}"),
            cell(node.get("version")),
            cell(instant(node.get("heartbeat_at"))),
        )
    _print_fitting(table)


def _details(title: str, rows: Iterable[tuple[str, Any]]) -> None:
    table = Table(title=title, title_justify="left", show_header=False, box=None, pad_edge=False)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value")
    for label, value in rows:
        if not isinstance(value, Text):
            value = Text(value if isinstance(value, str) else _compact(value))
        table.add_row(label, value)
    console.print(table)


def _compact(value: Any) -> str:
    if value is None:
        return "-"
    return json.dumps(value, ensure_ascii=False, default=str)


def task_detail(task: Mapping[str, Any]) -> None:
    schedule = task.get("schedule") or {}
    counters = task.get("counters") or {}
    _details(
        f"Task {task.get('task_id')}",
        [
            ("Name", task.get("name")),
            ("Agent", f"{task.get('agent_id')}:{task.get('entrypoint_tag')}"),
            ("Executor", task.get("executor_type")),
            ("When", task.get("when")),
            ("Schedule", f"{schedule.get('description', '-')} [{schedule.get('kind', '?')}]"),
            ("Timezone", task.get("timezone")),
            ("Status", styled(task.get("status"))),
            ("Activity", styled(task.get("activity"))),
            ("Next run", instant(task.get("next_run_at"))),
            ("Last run", instant(task.get("last_run_at"))),
            ("Runs", ", ".join(f"{key} {value}" for key, value in counters.items()) or "-"),
            ("Params", task.get("params")),
            ("Metadata", task.get("metadata")),
            ("Callback", task.get("callback_url")),
            ("Timeout", f"{task.get('timeout_seconds')}s"),
            ("Retry", task.get("retry")),
            ("Overlap / catch-up", f"{task.get('overlap')} / {task.get('catchup')}"),
            ("Created", instant(task.get("created_at"))),
        ],
    )
    upcoming = schedule.get("next_runs") or []
    if upcoming:
        console.print(Text("Upcoming: " + ", ".join(instant(item) for item in upcoming)))


def run_detail(run: Mapping[str, Any]) -> None:
    _details(
        f"Run {run.get('run_id')}",
        [
            ("Task", run.get("task_id")),
            ("Status", styled(run.get("status"))),
            ("Trigger", run.get("trigger")),
            ("Attempt", run.get("attempt")),
            ("Scheduled for", instant(run.get("scheduled_for"))),
            ("Started", instant(run.get("started_at"))),
            ("Finished", instant(run.get("finished_at"))),
            ("Duration", duration_ms(run.get("duration_ms"))),
            ("Executor", f"{run.get('executor') or '-'} on {run.get('node') or '-'}"),
            ("Error", _error_text(run.get("error"))),
            ("Skip reason", run.get("skip_reason")),
            ("Deployment", run.get("deployment_id")),
            ("Result", run.get("result")),
        ],
    )


def result_view(result: Mapping[str, Any]) -> None:
    """The polling shape of ``GET /v1/tasks/{id}/result``."""
    _details(
        "Result",
        [
            ("Status", styled(result.get("status"))),
            ("Execution", result.get("execution_id")),
            ("Error", _error_text(result.get("error"))),
            ("Result", result.get("result")),
        ],
    )
