"""The MCP tools: short, explicit descriptions for a language model, JSON schemas from their
typed parameters, Pulse's actionable message as the tool error (never a stack trace).

Every tool calls the application layer (``Services``): the same validation and limits as the
REST API, plus :class:`~runagent_pulse.mcp.guard.McpLimits` on what MCP callers may create.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from runagent_pulse import __version__
from runagent_pulse.domain.errors import PulseError
from runagent_pulse.mcp.guard import CREATED_BY, McpLimits
from runagent_pulse.service import Services
from runagent_pulse.service.models import (
    ParseIn,
    RepeatIn,
    RunStatusName,
    TaskCreate,
    TaskFilter,
    TaskStatusName,
)
from runagent_pulse.timespec import TimespecError

T = TypeVar("T")

WHEN_HELP = (
    "When to run, in plain words or cron: 'now', 'in 5 minutes', 'tomorrow at 9am', "
    "'every weekday at 9:30', 'every monday at 9', 'every 2 hours', '0 9 * * 1-5'"
)
INSTRUCTIONS = (
    "Pulse schedules AI agents and teams of agents and records every run. Use preview_when to "
    "check how a time expression is read before scheduling; schedule_agent / schedule_team "
    "create schedules (tasks); get_run returns a run's result or error."
)

READ = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True)
CREATE = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False)
CHANGE = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True)
DESTROY = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True)

When = Annotated[str, Field(description=WHEN_HELP, max_length=200)]
Zone = Annotated[
    str | None, Field(description="IANA time zone of 'when', e.g. 'Europe/Paris' (default UTC)")
]
Limit = Annotated[int, Field(ge=1, le=100, description="How many to return (1-100)")]
Cursor = Annotated[str | None, Field(description="next_cursor of the previous page")]


async def _answer(call: Awaitable[T] | T) -> dict[str, Any]:
    """Run one service call; its typed result as JSON, its refusal as a tool error."""
    try:
        result = await call if isinstance(call, Awaitable) else call
    except PulseError as exc:
        raise ToolError(exc.message) from None
    except TimespecError as exc:
        raise ToolError(str(exc)) from None
    except PydanticValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'input'}: {e['msg']}" for e in exc.errors()
        )
        raise ToolError(f"invalid input: {problems}") from None
    assert isinstance(result, BaseModel)
    return result.model_dump(mode="json", by_alias=True)


def build_server(services: Services, limits: McpLimits, *, default_timezone: str) -> MCPServer:
    """An MCP server whose tools act through ``services``."""
    server = MCPServer(
        name="pulse", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING"
    )
    tasks, runs = services.tasks, services.runs

    async def create(request: Callable[[], TaskCreate]) -> dict[str, Any]:
        async def guarded() -> BaseModel:
            body = request()
            limits.check_count(await tasks.count_live_created_by(CREATED_BY))
            preview = tasks.preview(
                ParseIn(
                    when=body.when,
                    timezone=body.timezone or default_timezone,
                    count=3,
                    repeat=body.repeat,
                )
            )
            limits.check_cadence(preview.next_runs)
            task, _ = await tasks.create(body)
            return task

        return await _answer(guarded())

    @server.tool(annotations=CREATE)
    async def schedule_agent(
        agent_id: Annotated[
            str,
            Field(description="The agent: a module under LOCAL_AGENT_PATH, or a RunAgent agent id"),
        ],
        entrypoint_tag: Annotated[
            str, Field(description="The function or object in the agent to call")
        ],
        when: When = "now",
        params: Annotated[
            dict[str, Any] | None, Field(description="Keyword arguments of the entrypoint")
        ] = None,
        timezone: Zone = None,
        repeat_every: Annotated[
            str | None, Field(description="With a one-off 'when': repeat every '1d', '30m', …")
        ] = None,
        repeat_times: Annotated[int | None, Field(ge=1, description="How many runs in all")] = None,
        executor_type: Annotated[
            str | None,
            Field(description="local, serverless, http or team; omit for the server's default"),
        ] = None,
        name: Annotated[
            str | None, Field(max_length=200, description="A name for the schedule")
        ] = None,
    ) -> dict[str, Any]:
        """Schedule an agent to run at a time or on a recurring schedule; returns the schedule
        (task) with how 'when' was read and its next fires."""
        return await create(
            lambda: TaskCreate(
                agent_id=agent_id,
                entrypoint_tag=entrypoint_tag,
                when=when,
                params=params,
                timezone=timezone,
                repeat=RepeatIn(interval=repeat_every, times=repeat_times)
                if repeat_every or repeat_times
                else None,
                executor_type=executor_type,
                name=name,
                metadata={"created_by": CREATED_BY},
            )
        )

    @server.tool(annotations=CREATE)
    async def schedule_team(
        team: Annotated[str, Field(description="The team's name or id")],
        prompt: Annotated[
            str, Field(max_length=50_000, description="What the team's leader is asked")
        ],
        when: When = "now",
        timezone: Zone = None,
        timeout: Annotated[  # noqa: ASYNC109 - the run's timeout, a tool argument
            str | None,
            Field(description="Run timeout such as '30m' (default: the server's SCHEDULE_TIMEOUT)"),
        ] = None,
    ) -> dict[str, Any]:
        """Schedule a team of agents: at each fire it is deployed, its leader gets the prompt,
        the conversation is recorded and the team is torn down."""
        return await create(
            lambda: TaskCreate(
                agent_id=team,
                entrypoint_tag="team",
                executor_type="team",
                when=when,
                timezone=timezone,
                timeout=timeout,
                params={"prompt": prompt},
                metadata={"created_by": CREATED_BY},
            )
        )

    async def _preview(when: str, zone: str, count: int) -> BaseModel:
        return tasks.preview(ParseIn(when=when, timezone=zone, count=count))

    @server.tool(annotations=READ)
    async def preview_when(
        when: When,
        timezone: Zone = None,
        count: Annotated[int, Field(ge=1, le=20, description="How many next fires")] = 5,
    ) -> dict[str, Any]:
        """Show how Pulse reads a time expression (kind, description, time zone) and its next
        fires, without scheduling anything."""
        return await _answer(_preview(when, timezone or default_timezone, count))

    @server.tool(annotations=READ)
    async def list_schedules(
        status: TaskStatusName | None = None,
        agent_id: Annotated[str | None, Field(description="Only this agent (or team)")] = None,
        executor_type: Annotated[str | None, Field(description="Only this executor")] = None,
        limit: Limit = 20,
        cursor: Cursor = None,
    ) -> dict[str, Any]:
        """List schedules (tasks), newest first, with filters; pass next_cursor to read on."""
        filters = TaskFilter(status=status, agent_id=agent_id, executor_type=executor_type)
        return await _answer(tasks.list(filters, limit=limit, cursor=cursor))

    @server.tool(annotations=READ)
    async def get_schedule(
        task_id: Annotated[str, Field(description="The tsk_… id")],
    ) -> dict[str, Any]:
        """A schedule (task): what it runs, when, its status, next fires and counters."""
        return await _answer(tasks.get(task_id))

    @server.tool(annotations=CHANGE)
    async def pause_schedule(
        task_id: Annotated[str, Field(description="The tsk_… id")],
        note: Annotated[str | None, Field(max_length=500, description="Why it is paused")] = None,
    ) -> dict[str, Any]:
        """Pause a schedule: no fires until it is resumed (the note stays on it)."""
        return await _answer(tasks.pause(task_id, note=note))

    @server.tool(annotations=CHANGE)
    async def resume_schedule(
        task_id: Annotated[str, Field(description="The tsk_… id")],
        catch_up: Annotated[bool, Field(description="Run fires missed while paused")] = False,
    ) -> dict[str, Any]:
        """Resume a paused schedule."""
        return await _answer(tasks.resume(task_id, catch_up=catch_up))

    @server.tool(annotations=CREATE)
    async def trigger_now(
        task_id: Annotated[str, Field(description="The tsk_… id")],
    ) -> dict[str, Any]:
        """Run a schedule once now (also when paused); returns the new run."""
        return await _answer(tasks.trigger(task_id))

    @server.tool(annotations=DESTROY)
    async def cancel_schedule(
        task_id: Annotated[str, Field(description="The tsk_… id")],
    ) -> dict[str, Any]:
        """Cancel a schedule for good: no more fires; a running run is asked to stop."""
        return await _answer(tasks.cancel(task_id))

    @server.tool(annotations=READ)
    async def list_runs(
        task_id: Annotated[str | None, Field(description="Only this schedule's runs")] = None,
        status: RunStatusName | None = None,
        limit: Limit = 20,
        cursor: Cursor = None,
    ) -> dict[str, Any]:
        """Runs (executions), newest first, with their status, timings, result and error."""
        return await _answer(runs.list(task_id=task_id, status=status, limit=limit, cursor=cursor))

    @server.tool(annotations=READ)
    async def get_run(run_id: Annotated[str, Field(description="The run_… id")]) -> dict[str, Any]:
        """One run: status (scheduled, running, success, failed, timeout, cancelled, skipped),
        its result or error, and its timings."""
        return await _answer(runs.get(run_id))

    @server.tool(annotations=READ)
    async def get_conversation(
        run_id: Annotated[str, Field(description="The run_… id of a team run")],
    ) -> dict[str, Any]:
        """What the agents of a team run said to each other, in order."""
        return await _answer(runs.conversation(run_id))

    @server.tool(annotations=READ)
    async def list_executors() -> dict[str, Any]:
        """Which executors this server has, whether each is available, and why not."""
        return await _answer(services.system.executors())

    return server
