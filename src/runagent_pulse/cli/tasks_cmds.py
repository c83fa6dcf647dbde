"""``pulse schedule`` and ``pulse tasks …``: create and manage tasks on a running server."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from runagent_pulse.cli import output
from runagent_pulse.cli._client import open_client
from runagent_pulse.cli.output import JsonFlag

if TYPE_CHECKING:
    from runagent_pulse.client import PulseTask

tasks_app = typer.Typer(help="List, inspect and control tasks.", no_args_is_help=True)

TaskId = Annotated[str, typer.Argument(metavar="TASK_ID", help="A task id (tsk_…).")]


def parse_params(pairs: list[str], params_json: str | None) -> dict[str, Any]:
    """``--params-json`` first, then each ``--param``: ``key=text`` or ``key:=<JSON value>``."""
    params: dict[str, Any] = {}
    if params_json:
        try:
            loaded = json.loads(params_json)
        except json.JSONDecodeError as exc:
            raise typer.BadParameter(f"not valid JSON: {exc}", param_hint="--params-json") from exc
        if not isinstance(loaded, dict):
            raise typer.BadParameter("must be a JSON object", param_hint="--params-json")
        params.update(loaded)
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.rstrip(":"):
            raise typer.BadParameter(
                f"{pair!r} is not key=value (or key:=JSON)", param_hint="--param"
            )
        if key.endswith(":"):
            try:
                params[key[:-1]] = json.loads(value)
            except json.JSONDecodeError as exc:
                raise typer.BadParameter(
                    f"{pair!r}: the value after ':=' is not JSON ({exc})", param_hint="--param"
                ) from exc
        else:
            params[key] = value
    return params


def build_repeat(
    interval: str | None, times: int | None, until: str | None
) -> dict[str, Any] | None:
    repeat: dict[str, Any] = {}
    if interval is not None:
        repeat["interval"] = float(interval) if _is_number(interval) else interval
    if times is not None:
        repeat["times"] = times
    if until is not None:
        repeat["until"] = until
    return repeat or None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def schedule(
    ctx: typer.Context,
    agent_id: Annotated[
        str, typer.Argument(metavar="AGENT_ID", help="Local: module name; serverless: agent id.")
    ],
    entrypoint: Annotated[
        str, typer.Argument(metavar="ENTRYPOINT", help="Function or object in the agent to run.")
    ],
    when: Annotated[str, typer.Option(help="When to run, e.g. 'in 5 minutes', cron.")] = "now",
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="key=value (a string) or key:=JSON; repeatable."),
    ] = None,
    params_json: Annotated[
        str | None, typer.Option("--params-json", help="All params as a JSON object.")
    ] = None,
    executor: Annotated[
        str | None, typer.Option(help="local, serverless, http, team, echo or auto.")
    ] = None,
    callback_url: Annotated[str | None, typer.Option(help="POST the result here.")] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="IANA time zone of 'when'.")] = None,
    repeat_interval: Annotated[
        str | None, typer.Option(help="Repeat every: '1d', '30m', 'PT1H' or seconds.")
    ] = None,
    repeat_times: Annotated[int | None, typer.Option(min=1, help="Stop after N runs.")] = None,
    repeat_until: Annotated[str | None, typer.Option(help="Stop repeating at (ISO).")] = None,
    timeout: Annotated[
        str | None, typer.Option(help="Run timeout: seconds or '30m' (server default 10m).")
    ] = None,
    idempotency_key: Annotated[
        str | None, typer.Option(help="Creating twice with this key returns the first task.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="A name for the task.")] = None,
    agent_host: Annotated[
        str | None, typer.Option(help="serverless: host of an agent served by `runagent serve`.")
    ] = None,
    agent_port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="serverless: its port.")
    ] = None,
    user_id: Annotated[str | None, typer.Option(help="serverless: user id for memory.")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the (next) result.")] = False,
    wait_timeout: Annotated[
        float, typer.Option(min=0, help="Seconds --wait waits before exit code 4.")
    ] = 60.0,
    json_output: JsonFlag = False,
) -> None:
    """Schedule AGENT_ID's ENTRYPOINT to run at --when (a task), optionally waiting for it."""
    params = parse_params(param or [], params_json)
    timeout_value: float | str | None = timeout
    if timeout is not None and _is_number(timeout):
        timeout_value = float(timeout)
    with open_client(ctx) as client:
        task = client.schedule_agent(
            agent_id,
            entrypoint,
            when=when,
            params=params,
            callback_url=callback_url,
            executor_type=executor,
            repeat=build_repeat(repeat_interval, repeat_times, repeat_until),
            timezone=tz,
            timeout=timeout_value,
            idempotency_key=idempotency_key,
            name=name,
            agent_host=agent_host,
            agent_port=agent_port,
            user_id=user_id,
        )
        report_scheduled(
            task,
            wait=wait,
            wait_timeout=wait_timeout,
            json_output=json_output,
            show=_print_scheduled,
        )


def report_scheduled(
    task: PulseTask,
    *,
    wait: bool,
    wait_timeout: float,
    json_output: bool,
    show: Callable[[dict[str, Any]], None],
) -> None:
    """Print a new task (``show``, or JSON); with ``wait``, wait for its result and print it
    too, exiting 1 when the run failed (4 when the wait ran out)."""
    if not wait:
        if json_output:
            output.print_json(task.data)
        else:
            show(task.data)
        return
    if not json_output:
        show(task.data)
        output.console.print(f"Waiting up to {wait_timeout:g}s for the result…")
    result = task.wait(timeout=wait_timeout)
    if json_output:
        output.print_json({"task": task.data, "result": result})
    else:
        output.result_view(result)
    if result.get("status") == "failed":
        raise typer.Exit(output.EXIT_SERVER)


def _print_scheduled(task: dict[str, Any]) -> None:
    schedule_info = task.get("schedule") or {}
    output.console.print(
        Text.assemble(
            "Scheduled task ",
            (str(task.get("task_id")), "bold"),
            f" ({task.get('agent_id')}:{task.get('entrypoint_tag')})",
        )
    )
    description = schedule_info.get("description", task.get("when"))
    output.console.print(Text(f"  when:     {description}"))
    output.console.print(Text(f"  next run: {output.instant(task.get('next_run_at'))}"))


@tasks_app.command("list")
def list_tasks(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option(help="active, paused, completed or cancelled.")
    ] = None,
    agent_id: Annotated[str | None, typer.Option(help="Only this agent's tasks.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many (newest first).")] = 50,
    json_output: JsonFlag = False,
) -> None:
    """List tasks, newest first."""
    with open_client(ctx) as client:
        tasks = [task.data for task in client.list_tasks(status, agent_id, limit)]
    output.emit(tasks, as_json=json_output, render=output.tasks_table)


def _show_task(data: dict[str, Any], json_output: bool) -> None:
    output.emit(data, as_json=json_output, render=output.task_detail)


@tasks_app.command("show")
def show_task(ctx: typer.Context, task_id: TaskId, json_output: JsonFlag = False) -> None:
    """Show one task: schedule, status, policies, upcoming fires."""
    with open_client(ctx) as client:
        _show_task(client.get_task(task_id).data, json_output)


@tasks_app.command("pause")
def pause_task(
    ctx: typer.Context,
    task_id: TaskId,
    note: Annotated[
        str | None, typer.Option(help="Why it is paused; shown with the task until it resumes.")
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Pause a task: no fires until it is resumed."""
    with open_client(ctx) as client:
        _show_task(client.pause_task(task_id, note=note).data, json_output)


@tasks_app.command("resume")
def resume_task(
    ctx: typer.Context,
    task_id: TaskId,
    catch_up: Annotated[
        bool, typer.Option("--catch-up", help="Handle missed fires by the catch-up policy.")
    ] = False,
    json_output: JsonFlag = False,
) -> None:
    """Resume a paused task."""
    with open_client(ctx) as client:
        _show_task(client.resume_task(task_id, catch_up).data, json_output)


@tasks_app.command("cancel")
def cancel_task(ctx: typer.Context, task_id: TaskId, json_output: JsonFlag = False) -> None:
    """Cancel a task and its scheduled runs; running runs are asked to stop."""
    with open_client(ctx) as client:
        _show_task(client.cancel_task(task_id).data, json_output)


@tasks_app.command("trigger")
def trigger_task(ctx: typer.Context, task_id: TaskId, json_output: JsonFlag = False) -> None:
    """Run a task now (also when paused); prints the new run."""
    with open_client(ctx) as client:
        run = client.trigger_task(task_id)
    output.emit(run, as_json=json_output, render=output.run_detail)


@tasks_app.command("history")
def task_history(
    ctx: typer.Context,
    task_id: TaskId,
    limit: Annotated[int, typer.Option(min=1, help="At most this many runs.")] = 50,
    json_output: JsonFlag = False,
) -> None:
    """A task's runs, newest first."""
    with open_client(ctx) as client:
        runs = client.get_history(task_id, limit)
    output.emit(runs, as_json=json_output, render=output.runs_table)


@tasks_app.command("result")
def task_result(
    ctx: typer.Context,
    task_id: TaskId,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the (next) result.")] = False,
    wait_timeout: Annotated[float, typer.Option(min=0, help="Seconds to wait.")] = 60.0,
    json_output: JsonFlag = False,
) -> None:
    """The task's latest result (the polling shape); exit code 1 when it failed."""
    with open_client(ctx) as client:
        if wait:
            result = client.get_task(task_id).wait(timeout=wait_timeout)
        else:
            result = client.get_task_result(task_id)
    output.emit(result, as_json=json_output, render=output.result_view)
    if result.get("status") == "failed":
        raise typer.Exit(output.EXIT_SERVER)
