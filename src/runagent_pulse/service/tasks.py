"""Task operations and their rules: validate against the schedule and executors, then change the
store in one transaction and wake the engine. Every front door (REST, CLI, dashboard, MCP) calls
these."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from runagent_pulse.common.netguard import check_url
from runagent_pulse.domain.errors import InvalidTransition, PulseError, ValidationError
from runagent_pulse.domain.ids import new_id
from runagent_pulse.domain.plans import NewRun
from runagent_pulse.domain.statuses import RunStatus, TaskStatus, Trigger
from runagent_pulse.engine.engine import Engine
from runagent_pulse.executors.http_request import HTTP, restore_redacted
from runagent_pulse.service.inserts import TaskInserter
from runagent_pulse.service.models import (
    BatchOut,
    ParseIn,
    RepeatIn,
    ResultOut,
    RunOut,
    ScheduleOut,
    TaskCreate,
    TaskFields,
    TaskFilter,
    TaskList,
    TaskOut,
    TaskPatch,
    json_size,
)
from runagent_pulse.service.task_checks import (
    TEAM,
    check_agent_endpoint,
    check_prompt,
    check_team_tasks,
)
from runagent_pulse.service.views import result_view, run_view, task_view
from runagent_pulse.store import runs as run_store
from runagent_pulse.store import tasks as task_store
from runagent_pulse.store.database import retry_lost_races
from runagent_pulse.store.sql import Row
from runagent_pulse.timespec import Schedule, parse_schedule, schedule_from_spec

MAX_TAKEN_FIRES = 100
DEFAULT_RETRY = {"max_attempts": 3, "backoff": 2.0, "max_backoff": 300.0}


@dataclass(frozen=True, slots=True)
class Defaults:
    """What the operator configured that task operations apply (from ``Settings``)."""

    timezone: str
    run_timeout_seconds: float
    schedule_timeout_seconds: float
    max_params_bytes: int
    callback_allow_private: bool
    catchup_window_seconds: float = 86_400.0
    default_executor: str = "auto"
    local_agent_path: tuple[Path, ...] = ()
    local_agent_allowlist: tuple[str, ...] = ()
    local_agent_follow_symlinks: bool = False


def _repeat_dict(repeat: RepeatIn | None) -> dict[str, Any] | None:
    if repeat is None:
        return None
    return repeat.model_dump(mode="json", exclude_none=True)


@functools.lru_cache(maxsize=256)
def _plain_schedule(when: str, timezone: str, now: datetime) -> Schedule:
    """``when`` read in ``timezone`` as of ``now`` (no ``repeat``), remembered. Every task of a
    batch is read as of the same instant, and many share their ``when`` ("in 5 minutes",
    "every day at 9am"): each distinct one is parsed once (~8 µs). A schedule is immutable."""
    return parse_schedule(when, timezone=timezone, now=now)


async def _free_fire(
    conn: AsyncConnection, task_id: str, schedule: Schedule, fire: datetime | None
) -> datetime | None:
    """``fire``, or the first later fire of ``schedule`` whose run record does not exist yet
    (a fire that ran or was cancelled keeps its one record and is not fired again).

    Raises: ValidationError: a one-off moved onto the instant of a run it already had.
    """
    for _ in range(MAX_TAKEN_FIRES):
        if fire is None:
            return None
        taken = await task_store.fire_taken(conn, task_id, fire)
        if taken is None:
            return fire
        following = schedule.next_after(fire)
        if following is None and schedule.kind == "once":
            raise ValidationError(
                f"the task already has a run for {fire.isoformat()} (it is {taken['status']}); "
                "choose another time, or trigger a run now",
                details={"field": "when", "run_id": taken["id"]},
            )
        fire = following
    raise ValidationError(
        f"the next {MAX_TAKEN_FIRES} fires of this schedule already have runs; choose another "
        "schedule",
        details={"field": "when"},
    )


class TaskService:
    def __init__(self, engine: Engine, defaults: Defaults) -> None:
        self.engine = engine
        self.db = engine.db
        self.defaults = defaults
        self.inserter = TaskInserter(engine.db, engine.clock)

    # -- create ----------------------------------------------------------------------------
    def _schedule(
        self, when: str, timezone: str, repeat: RepeatIn | None, now: datetime
    ) -> Schedule:
        if repeat is None:
            return _plain_schedule(when, timezone, now)
        return parse_schedule(when, timezone=timezone, now=now, repeat=_repeat_dict(repeat))

    def _check_common(self, fields: TaskFields) -> None:
        if (
            fields.params is not None
            and json_size(fields.params, "params") > self.defaults.max_params_bytes
        ):
            raise ValidationError(
                f"params is larger than {self.defaults.max_params_bytes} bytes as JSON "
                "(PULSE_MAX_PARAMS_BYTES); pass a reference to large inputs instead",
                details={"field": "params"},
            )
        if fields.callback_url is not None:
            check_url(fields.callback_url, allow_private=self.defaults.callback_allow_private)

    def _default_timeout(self, executor: str) -> float:
        if executor == TEAM:
            return self.defaults.schedule_timeout_seconds
        return self.defaults.run_timeout_seconds

    def _patched_values(self, req: TaskPatch, executor: str, now: datetime) -> dict[str, Any]:
        """The columns a PATCH changes (besides the schedule). An explicit null clears an
        optional field, and resets a field that has a default to that default."""
        given = req.model_fields_set
        values: dict[str, Any] = {"updated_at": now}
        for name in ("name", "callback_url", "callback_secret"):
            if name in given:
                values[name] = getattr(req, name)
        for name in ("params", "metadata"):
            if name in given:
                values[name] = getattr(req, name) or {}
        if "overlap" in given:
            values["overlap"] = req.overlap or "allow"
        if "catchup" in given:
            values["catchup"] = req.catchup or "latest"
        if "timeout" in given:
            values["timeout_seconds"] = req.timeout or self._default_timeout(executor)
        if "catchup_window" in given:
            values["catchup_window_seconds"] = (
                req.catchup_window or self.defaults.catchup_window_seconds
            )
        if "retry" in given:
            retry = req.retry.model_dump() if req.retry else DEFAULT_RETRY
            values.update(
                retry_max_attempts=retry["max_attempts"],
                retry_backoff_seconds=retry["backoff"],
                retry_max_backoff_seconds=retry["max_backoff"],
            )
        return values

    def build_row(self, req: TaskCreate, now: datetime) -> Row:
        """Validate one create request completely and return its task row."""
        self._check_common(req)
        executor = self.engine.executors.validate(
            req.executor_type, req.agent_id, req.entrypoint_tag
        )
        check_agent_endpoint(self.engine.executors, executor, req.agent_host, req.agent_port)
        self.engine.executors.validate_params(executor, req.params or {})
        timezone = req.timezone or self.defaults.timezone
        schedule = self._schedule(req.when, timezone, req.repeat, now)
        retry = req.retry.model_dump() if req.retry else DEFAULT_RETRY
        return {
            "id": new_id("tsk"),
            "name": req.name,
            "agent_id": req.agent_id,
            "entrypoint_tag": req.entrypoint_tag,
            "executor_type": executor,
            "params": req.params or {},
            "metadata": req.metadata or {},
            "user_id": req.user_id,
            "persistent_memory": req.persistent_memory,
            "agent_host": req.agent_host,
            "agent_port": req.agent_port,
            "callback_url": req.callback_url,
            "callback_secret": req.callback_secret,
            "when_text": req.when,
            "timezone": timezone,
            "repeat": _repeat_dict(req.repeat),
            "trigger_spec": schedule.to_spec(),
            "timeout_seconds": req.timeout or self._default_timeout(executor),
            "retry_max_attempts": retry["max_attempts"],
            "retry_backoff_seconds": retry["backoff"],
            "retry_max_backoff_seconds": retry["max_backoff"],
            "overlap": req.overlap or "allow",
            "catchup": req.catchup or "latest",
            "catchup_window_seconds": req.catchup_window or self.defaults.catchup_window_seconds,
            "max_runs": schedule.max_fires,
            "end_at": schedule.end_at,
            "status": TaskStatus.ACTIVE if schedule.first_fire else TaskStatus.COMPLETED,
            "next_run_at": schedule.first_fire,
            **task_store.NEW_TASK_STATE,
            "idempotency_key": req.idempotency_key,
            "created_at": now,
            "updated_at": now,
        }

    async def _create(self, requests: list[TaskCreate]) -> list[tuple[Row, bool]]:
        """Create tasks all-or-nothing; per request, the stored row and whether it is new."""
        now = self.engine.clock.now()
        rows: list[Row] = []
        for index, req in enumerate(requests):
            try:
                rows.append(self.build_row(req, now))
            except PulseError as exc:
                if len(requests) > 1:
                    exc.details = {**exc.details, "index": index}
                    exc.message = f"tasks[{index}]: {exc.message}"
                raise
            except ValueError as exc:  # TimespecError and friends
                if len(requests) > 1:
                    raise ValidationError(
                        f"tasks[{index}]: {exc}", details={"index": index}
                    ) from exc
                raise
        await check_team_tasks(self.db, rows)
        created = await self.inserter.insert(rows)
        self.engine.wake_for(stored["next_run_at"] for stored, new in created if new)
        return created

    async def create(self, request: TaskCreate) -> tuple[TaskOut, bool]:
        """Create one task; the second value is False when its idempotency key returned an
        earlier task.

        Raises: ValidationError (and subclasses), TimespecError.
        """
        ((row, new),) = await self._create([request])
        return task_view(row), new

    async def create_batch(self, requests: list[TaskCreate]) -> BatchOut:
        """Create many tasks in one transaction, all or nothing (errors name ``tasks[i]``)."""
        created = await self._create(requests)
        items = [
            {"task_id": r["id"], "status": r["status"], "next_run_at": r["next_run_at"]}
            for r, _ in created
        ]
        return BatchOut.model_validate({"count": len(created), "items": items})

    def preview(self, request: ParseIn) -> ScheduleOut:
        """How ``when`` reads and its next fires, without creating anything.

        Raises: TimespecError.
        """
        now = request.now or self.engine.clock.now()
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        schedule = self._schedule(request.when, request.timezone, request.repeat, now)
        return ScheduleOut(
            kind=schedule.kind,
            description=schedule.description,
            timezone=schedule.timezone,
            next_runs=schedule.next_runs(request.count),
        )

    # -- read ------------------------------------------------------------------------------
    async def get(self, task_id: str) -> TaskOut:
        """Raises: TaskNotFound."""
        async with self.db.read() as conn:
            return task_view(await task_store.get_task(conn, task_id))

    async def list(
        self, filters: TaskFilter, *, limit: int = 50, cursor: str | None = None
    ) -> TaskList:
        """One page of tasks, newest first."""
        async with self.db.read() as conn:
            rows, next_cursor = await task_store.list_tasks(
                conn, filters=filters.model_dump(), limit=limit, cursor=cursor
            )
        return TaskList(items=[task_view(r) for r in rows], next_cursor=next_cursor)

    async def count_live_created_by(self, source: str) -> int:
        """Active or paused tasks whose ``metadata.created_by`` is ``source`` (the MCP guard)."""
        async with self.db.read() as conn:
            return await task_store.count_live_created_by(conn, source)

    async def result(self, task_id: str) -> ResultOut:
        """The guide's polling shape: the latest settled run's outcome, or pending / running.

        Raises: TaskNotFound.
        """
        async with self.db.read() as conn:
            await task_store.get_task(conn, task_id)
            latest = await run_store.latest_finished(conn, task_id)
            running = await run_store.has_running(conn, task_id)
            if (
                latest is not None
                and latest["status"] != RunStatus.SUCCESS
                and await run_store.retry_pending(conn, latest)
            ):
                latest = None  # the fire is not settled yet: report pending / running
        return result_view(latest, running)

    # -- change ----------------------------------------------------------------------------
    @retry_lost_races
    async def patch(self, task_id: str, req: TaskPatch) -> TaskOut:
        self._check_common(req)
        if "when" in req.model_fields_set and req.when is None:
            raise ValidationError(
                "when cannot be null; give the new schedule, or leave when out to keep it",
                details={"field": "when"},
            )
        now = self.engine.clock.now()
        async with self.db.write() as conn:
            task = await task_store.get_task(conn, task_id)
            values = self._patched_values(req, task["executor_type"], now)
            if task["executor_type"] == TEAM and "params" in values:
                check_prompt(values["params"])
            if task["executor_type"] == HTTP and "params" in values:
                values["params"] = restore_redacted(values["params"], task["params"])
            if "params" in values:
                self.engine.executors.validate_params(task["executor_type"], values["params"])
            reschedule = {"when", "timezone", "repeat"} & req.model_fields_set
            if reschedule:
                when = req.when or task["when_text"]
                timezone = (
                    (req.timezone or self.defaults.timezone)
                    if "timezone" in req.model_fields_set
                    else task["timezone"]
                )
                repeat = (
                    req.repeat
                    if "repeat" in req.model_fields_set
                    else (RepeatIn(**task["repeat"]) if task["repeat"] else None)
                )
                schedule = self._schedule(when, timezone, repeat, now)
                values.update(
                    when_text=when,
                    timezone=timezone,
                    repeat=_repeat_dict(repeat),
                    trigger_spec=schedule.to_spec(),
                    max_runs=schedule.max_fires,
                    end_at=schedule.end_at,
                    fires=0,
                )
            task = await task_store.update_task(conn, task_id, values)
            if reschedule and task["status"] == TaskStatus.ACTIVE:
                fire = await _free_fire(conn, task_id, schedule, schedule.first_fire)
                await task_store.set_next_fire(conn, task_id, fire, now=now)
                task = await task_store.get_task(conn, task_id)
        self.engine.wake()
        return task_view(task)

    @retry_lost_races
    async def pause(self, task_id: str, *, note: str | None = None) -> TaskOut:
        """Stop firing until resumed; ``note`` (why) stays on the task until then.

        Raises: TaskNotFound, InvalidTransition (not active).
        """
        now = self.engine.clock.now()
        async with self.db.write() as conn:
            task = await task_store.transition(
                conn, task_id, "pause", now=now, values={"pause_note": note}
            )
            await task_store.park_runs(conn, task_id)
        return task_view(task)

    @retry_lost_races
    async def resume(self, task_id: str, *, catch_up: bool = False) -> TaskOut:
        """Fires missed while paused run now with ``catch_up``, else are recorded skipped.

        Raises: TaskNotFound, InvalidTransition (not paused).
        """
        now = self.engine.clock.now()
        async with self.db.write() as conn:
            task = await task_store.transition(
                conn, task_id, "resume", now=now, values={"pause_note": None}
            )
            schedule = schedule_from_spec(task["trigger_spec"])
            for run in await task_store.waiting_runs(conn, task_id):
                if run["trigger"] == Trigger.MANUAL:
                    continue
                if (
                    run["trigger"] != Trigger.SCHEDULE
                    or run["scheduled_for"] >= now
                    or catch_up
                    or schedule.kind == "once"  # a one-off's only fire runs late, never skipped
                ):
                    due = (
                        max(run["scheduled_for"], now)
                        if run["trigger"] == Trigger.RETRY
                        else run["scheduled_for"]
                    )
                    await task_store.set_run_due(conn, run["id"], due)
                    continue
                # A fire that passed while paused: record it skipped, schedule the next one.
                await task_store.skip_run(
                    conn, run, reason="missed while the task was paused", now=now
                )
                fire = schedule.next_after(max(run["scheduled_for"], now))
                fire = await _free_fire(conn, task_id, schedule, fire)
                await task_store.set_next_fire(conn, task_id, fire, now=now)
            task = await task_store.get_task(conn, task_id)
        self.engine.wake()
        return task_view(task)

    @retry_lost_races
    async def cancel(self, task_id: str) -> TaskOut:
        """Cancel the task, its waiting runs, and ask its running runs to stop.

        Raises: TaskNotFound, InvalidTransition (already ended).
        """
        now = self.engine.clock.now()
        async with self.db.write() as conn:
            task = await task_store.transition(conn, task_id, "cancel", now=now)
            await task_store.cancel_waiting_runs(conn, task_id, now=now, reason="task cancelled")
            await task_store.set_next_run_at(conn, task_id, None)
            running = await task_store.request_cancel_running(conn, task_id)
            task = await task_store.get_task(conn, task_id)
        for run_id in running:
            self.engine.cancel_local(run_id)
        return task_view(task)

    @retry_lost_races
    async def trigger(self, task_id: str) -> RunOut:
        """Add a manual run due now (also for a paused task).

        Raises: TaskNotFound, InvalidTransition (task ended).
        """
        now = self.engine.clock.now()
        async with self.db.write() as conn:
            task = await task_store.get_task(conn, task_id)
            if task["status"] not in (TaskStatus.ACTIVE, TaskStatus.PAUSED):
                raise InvalidTransition(task_id, task["status"], "trigger")
            row = await task_store.add_run(
                conn, NewRun(task_id, now, Trigger.MANUAL, due_at=now), now=now
            )
            run = await run_store.get_run(conn, row["id"])
        self.engine.wake()
        return run_view(run)
