"""Tasks: create, read, list, and the user's state changes (pause, resume, cancel, reschedule)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from runagent_pulse.domain.errors import InvalidTransition, TaskNotFound
from runagent_pulse.domain.plans import NewRun
from runagent_pulse.domain.statuses import TASK_TRANSITIONS, RunStatus, TaskStatus, Trigger
from runagent_pulse.store.sql import (
    Row,
    chunks,
    contains,
    fetch_all,
    fetch_one,
    page,
    run_row,
)
from runagent_pulse.store.tables import runs, tasks
from runagent_pulse.store.transitions import move_runs, report_lost


async def insert_tasks(conn: AsyncConnection, rows: list[Row], *, now: datetime) -> None:
    """Insert new tasks, each with its first scheduled run (when it has a first fire)."""
    await conn.execute(tasks.insert(), rows)
    first_runs = [
        run_row(
            NewRun(row["id"], row["next_run_at"], Trigger.SCHEDULE, due_at=row["next_run_at"]), now
        )
        for row in rows
        if row["next_run_at"] is not None
    ]
    if first_runs:
        await conn.execute(runs.insert(), first_runs)


async def find_by_idempotency_keys(conn: AsyncConnection, keys: list[str]) -> dict[str, Row]:
    found: dict[str, Row] = {}
    for batch in chunks(keys):
        for row in await fetch_all(
            conn, sa.select(tasks).where(tasks.c.idempotency_key.in_(batch))
        ):
            found[row["idempotency_key"]] = row
    return found


async def get_task(conn: AsyncConnection, task_id: str) -> Row:
    row = await fetch_one(conn, sa.select(tasks).where(tasks.c.id == task_id))
    if row is None:
        raise TaskNotFound(task_id)
    return row


async def list_tasks(
    conn: AsyncConnection, *, filters: dict[str, Any], limit: int, cursor: str | None
) -> tuple[list[Row], str | None]:
    """Newest first; ``cursor`` is the last id of the previous page. ``filters`` are column
    equalities, but ``q``: text in the task's name or agent id, or its exact id."""
    equal = {name: value for name, value in filters.items() if name != "q"}
    text = filters.get("q")
    where = []
    if text:
        where.append(
            sa.or_(
                contains(tasks.c.name, text), contains(tasks.c.agent_id, text), tasks.c.id == text
            )
        )
    return await page(conn, tasks, filters=equal, limit=limit, cursor=cursor, where=where)


async def update_task(conn: AsyncConnection, task_id: str, values: dict[str, Any]) -> Row:
    """Change user-editable fields of a task that has not ended."""
    task = await get_task(conn, task_id)
    if task["status"] in (TaskStatus.COMPLETED, TaskStatus.CANCELLED) and (
        "trigger_spec" in values or "status" not in values
    ):
        raise InvalidTransition(task_id, task["status"], "update")
    await conn.execute(tasks.update().where(tasks.c.id == task_id).values(**values))
    return await get_task(conn, task_id)


async def transition(
    conn: AsyncConnection,
    task_id: str,
    action: str,
    *,
    now: datetime,
    values: dict[str, Any] | None = None,
) -> Row:
    """Move a task per ``TASK_TRANSITIONS`` (setting ``values`` too); a task in any other
    status is a conflict."""
    sources, target = TASK_TRANSITIONS[action]
    changed = await conn.execute(
        tasks.update()
        .where(tasks.c.id == task_id, tasks.c.status.in_([str(s) for s in sources]))
        .values(status=target, updated_at=now, **(values or {}))
    )
    if changed.rowcount == 0:
        task = await get_task(conn, task_id)
        raise InvalidTransition(task_id, task["status"], action)
    return await get_task(conn, task_id)


async def set_next_run_at(conn: AsyncConnection, task_id: str, at: datetime | None) -> None:
    """Record the task's next fire (None: no fire left) without materializing a run."""
    await conn.execute(tasks.update().where(tasks.c.id == task_id).values(next_run_at=at))


async def park_runs(conn: AsyncConnection, task_id: str) -> None:
    """Take a paused task's waiting runs (but manual triggers) out of the due index."""
    await conn.execute(
        runs.update()
        .where(
            runs.c.task_id == task_id,
            runs.c.status == RunStatus.SCHEDULED,
            runs.c.trigger != Trigger.MANUAL,
        )
        .values(due_at=None)
    )


async def waiting_runs(conn: AsyncConnection, task_id: str) -> list[Row]:
    return await fetch_all(
        conn,
        sa.select(runs).where(runs.c.task_id == task_id, runs.c.status == RunStatus.SCHEDULED),
    )


async def set_run_due(conn: AsyncConnection, run_id: str, due_at: datetime | None) -> None:
    await conn.execute(
        runs.update().where(runs.c.id == run_id).values(due_at=due_at, buffered=False)
    )


async def cancel_waiting_runs(
    conn: AsyncConnection, task_id: str, *, now: datetime, reason: str, schedule_only: bool = False
) -> int:
    """Cancel a task's scheduled runs (all, or only its scheduled fires)."""
    stmt = move_runs(RunStatus.SCHEDULED, RunStatus.CANCELLED, runs.c.task_id == task_id)
    if schedule_only:
        stmt = stmt.where(runs.c.trigger.in_([Trigger.SCHEDULE, Trigger.CATCHUP]))
    result = await conn.execute(
        stmt.values(
            finished_at=now,
            due_at=None,
            skip_reason=reason,
            buffered=False,
        )
    )
    return int(result.rowcount or 0)


async def skip_run(conn: AsyncConnection, run: Row, *, reason: str, now: datetime) -> None:
    """Record a waiting run as ``skipped`` and count it on its task."""
    changed = await conn.execute(
        move_runs(RunStatus.SCHEDULED, RunStatus.SKIPPED, runs.c.id == run["id"]).values(
            skip_reason=reason, finished_at=now, due_at=None
        )
    )
    if report_lost("skip: scheduled -> skipped", expected=1, changed=changed.rowcount) == 0:
        await conn.execute(
            tasks.update()
            .where(tasks.c.id == run["task_id"])
            .values(runs_skipped=tasks.c.runs_skipped + 1)
        )


async def request_cancel_running(conn: AsyncConnection, task_id: str) -> list[str]:
    ids = list(
        (
            await conn.scalars(
                sa.select(runs.c.id).where(
                    runs.c.task_id == task_id, runs.c.status == RunStatus.RUNNING
                )
            )
        ).all()
    )
    if ids:
        await conn.execute(runs.update().where(runs.c.id.in_(ids)).values(cancel_requested=True))
    return ids


async def add_run(conn: AsyncConnection, new: NewRun, *, now: datetime) -> Row:
    row = run_row(new, now)
    await conn.execute(runs.insert().values(**row))
    return row


async def set_next_fire(
    conn: AsyncConnection, task_id: str, next_run_at: datetime | None, *, now: datetime
) -> None:
    """Replace a task's pending scheduled fire with one at ``next_run_at``."""
    await cancel_waiting_runs(conn, task_id, now=now, reason="rescheduled", schedule_only=True)
    await conn.execute(tasks.update().where(tasks.c.id == task_id).values(next_run_at=next_run_at))
    if next_run_at is not None:
        await add_run(
            conn, NewRun(task_id, next_run_at, Trigger.SCHEDULE, due_at=next_run_at), now=now
        )
