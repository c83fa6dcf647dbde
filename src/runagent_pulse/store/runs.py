"""Reading runs, and the user's run actions (cancel)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from runagent_pulse.domain.errors import RunNotFound
from runagent_pulse.domain.statuses import FINISHED_RUN_STATUSES, RunStatus
from runagent_pulse.store.sql import Row, chunks, fetch_all, fetch_one, page
from runagent_pulse.store.tables import runs, tasks
from runagent_pulse.store.transitions import move_runs


async def get_run(conn: AsyncConnection, run_id: str) -> Row:
    row = await fetch_one(conn, sa.select(runs).where(runs.c.id == run_id))
    if row is None:
        raise RunNotFound(run_id)
    return row


async def list_runs(
    conn: AsyncConnection, *, filters: dict[str, Any], limit: int, cursor: str | None
) -> tuple[list[Row], str | None]:
    """Newest first; ``cursor`` is the last id of the previous page."""
    return await page(conn, runs, filters=filters, limit=limit, cursor=cursor)


async def latest_finished(conn: AsyncConnection, task_id: str) -> Row | None:
    """The most recent run of a task that ran to an end (skipped and never-started runs aside)."""
    return await fetch_one(
        conn,
        sa.select(runs)
        .where(
            runs.c.task_id == task_id,
            runs.c.status.in_(
                [str(s) for s in FINISHED_RUN_STATUSES if s is not RunStatus.SKIPPED]
            ),
            runs.c.started_at.is_not(None),
        )
        .order_by(runs.c.finished_at.desc(), runs.c.id.desc())
        .limit(1),
    )


async def latest_ended(conn: AsyncConnection, task_ids: list[str]) -> list[Row]:
    """The newest run that ended (skipped included) of each of ``task_ids`` that has one."""
    ended = runs.alias("ended")
    newest = (
        sa.select(ended.c.id)
        .where(
            ended.c.task_id == tasks.c.id,
            ended.c.status.in_([str(s) for s in FINISHED_RUN_STATUSES]),
        )
        .order_by(ended.c.id.desc())
        .limit(1)
        .correlate(tasks)
        .scalar_subquery()
    )
    found: list[Row] = []
    for batch in chunks(task_ids):
        ids = sa.select(newest).where(tasks.c.id.in_(batch))
        found += await fetch_all(conn, sa.select(runs).where(runs.c.id.in_(ids)))
    return found


async def has_running(conn: AsyncConnection, task_id: str) -> bool:
    found = await conn.scalar(
        sa.select(runs.c.id)
        .where(runs.c.task_id == task_id, runs.c.status == RunStatus.RUNNING)
        .limit(1)
    )
    return found is not None


async def retry_pending(conn: AsyncConnection, run: Row) -> bool:
    """Whether a later attempt of ``run``'s fire is waiting or running."""
    found = await conn.scalar(
        sa.select(runs.c.id)
        .where(
            runs.c.task_id == run["task_id"],
            runs.c.scheduled_for == run["scheduled_for"],
            runs.c.attempt > run["attempt"],
            runs.c.status.in_([RunStatus.SCHEDULED, RunStatus.RUNNING]),
        )
        .limit(1)
    )
    return found is not None


async def cancel_scheduled(conn: AsyncConnection, run_id: str, *, now: datetime) -> bool:
    """Cancel a run that has not started; False when it had already left ``scheduled``."""
    result = await conn.execute(
        move_runs(RunStatus.SCHEDULED, RunStatus.CANCELLED, runs.c.id == run_id).values(
            finished_at=now, due_at=None, skip_reason="cancelled by request"
        )
    )
    return bool(result.rowcount)


async def request_cancel(conn: AsyncConnection, run_id: str) -> bool:
    """Ask a running run to stop (its node cancels it); False when it was no longer running."""
    result = await conn.execute(
        runs.update()
        .where(runs.c.id == run_id, runs.c.status == RunStatus.RUNNING)
        .values(cancel_requested=True)
    )
    return bool(result.rowcount)
