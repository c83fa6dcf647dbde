"""Recording how runs ended: final state, retries, task counters and the delivery outbox,
all in the caller's transaction (group commit: many outcomes per transaction)."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from runagent_pulse.domain.plans import NewRun, Outcome
from runagent_pulse.domain.statuses import (
    FAILED_RUN_STATUSES,
    Activity,
    RunStatus,
    TaskStatus,
)
from runagent_pulse.store.bulk import BulkStatement
from runagent_pulse.store.run_events import insert_events
from runagent_pulse.store.sql import (
    Row,
    chunks,
    execute_many,
    fetch_all,
    in_ids,
    insert_ignoring_conflicts,
    likely,
    lock_in_order,
    run_row,
)
from runagent_pulse.store.tables import runs, tasks
from runagent_pulse.store.transitions import finish_runs, report_lost

RetryPlanner = Callable[[Row, Outcome], NewRun | None]

FINISHED_COLUMNS = (
    runs.c.id,
    runs.c.task_id,
    runs.c.scheduled_for,
    runs.c.attempt,
    runs.c.trigger,
    runs.c.started_at,
    runs.c.lease_owner,
    runs.c.executor,
    tasks.c.status.label("task_status"),
    tasks.c.retry_max_attempts,
    tasks.c.retry_backoff_seconds,
    tasks.c.retry_max_backoff_seconds,
    tasks.c.next_run_at,
    tasks.c.callback_url,
    tasks.c.callback_secret,
)

_finish = BulkStatement(
    finish_runs(runs.c.id == sa.bindparam("_id"), status=sa.bindparam("_status")).values(
        finished_at=sa.bindparam("_finished"),
        duration_ms=sa.bindparam("_duration"),
        result=sa.bindparam("_result", type_=runs.c.result.type),
        error_type=sa.bindparam("_error_type"),
        error_message=sa.bindparam("_error_message"),
        lease_owner=None,
        lease_expires_at=None,
    )
)
_count = BulkStatement(
    tasks.update()
    .where(tasks.c.id == sa.bindparam("_id"))
    .values(
        runs_total=tasks.c.runs_total + sa.bindparam("_total"),
        runs_succeeded=tasks.c.runs_succeeded + sa.bindparam("_ok"),
        runs_failed=tasks.c.runs_failed + sa.bindparam("_bad"),
        last_run_at=sa.bindparam("_last"),
        activity=sa.bindparam("_activity"),
        # An active task with no fire left and no live run is complete: in the same row write.
        status=sa.case(
            (
                sa.and_(
                    sa.bindparam("_complete", type_=sa.Boolean),
                    tasks.c.status == TaskStatus.ACTIVE,
                    tasks.c.next_run_at.is_(None),
                ),
                TaskStatus.COMPLETED,
            ),
            else_=tasks.c.status,
        ),
    )
)


@functools.cache
def _running_runs(dialect: str) -> sa.Select[Any]:
    """The runs of ``_ids`` still running, with what recording their outcome needs."""
    stmt = (
        sa.select(*FINISHED_COLUMNS)
        .join(tasks, tasks.c.id == runs.c.task_id)
        .where(
            in_ids(runs.c.id, dialect),
            runs.c.status == RunStatus.RUNNING,
        )
    )
    if dialect == "postgresql":
        # Lock first (in id order, so two writers cannot deadlock): a concurrent writer
        # recording the same run (a success racing lease recovery) commits before this
        # reads, and the run is no longer ``running`` here, so it is not retried twice.
        stmt = stmt.order_by(runs.c.id).with_for_update(of=runs, key_share=True)
    return stmt


@functools.cache
def _live_runs(dialect: str) -> sa.Select[Any]:
    """The kinds of live run (``running``, ``scheduled``, buffered) of the tasks ``_ids``."""
    return (
        sa.select(runs.c.task_id, runs.c.status, runs.c.buffered)
        .where(
            in_ids(runs.c.task_id, dialect),
            likely(dialect, runs.c.status.in_([RunStatus.RUNNING, RunStatus.SCHEDULED])),
        )
        .distinct()
    )


@functools.cache
def _complete(dialect: str) -> sa.Update:
    return (
        tasks.update()
        .where(
            in_ids(tasks.c.id, dialect),
            tasks.c.status == TaskStatus.ACTIVE,
            tasks.c.next_run_at.is_(None),
        )
        .values(status=TaskStatus.COMPLETED)
        .returning(tasks.c.id)
    )


@dataclass(slots=True)
class CompletionResult:
    finished: list[tuple[Row, Outcome]] = field(default_factory=list)
    retries: int = 0
    unparked: int = 0
    may_complete: list[str] = field(default_factory=list)
    """Tasks with no fire left that still had a live run in the transaction's view (on
    PostgreSQL another node may be finishing it): check again after the commit."""


async def record_outcomes(
    conn: AsyncConnection,
    outcomes: list[Outcome],
    *,
    now: datetime,
    plan_retry: RetryPlanner,
) -> CompletionResult:
    """Apply ``outcomes`` to runs still ``running``; an outcome for a run that already ended
    (a lost race with recovery or a cancel) is dropped."""
    result = CompletionResult()
    by_id = {o.run_id: o for o in outcomes}
    rows: list[Row] = []
    stmt = _running_runs(conn.dialect.name)
    for batch in chunks(sorted(by_id)):
        rows += await fetch_all(conn, stmt, {"_ids": batch})
    rows = [row for row in rows if by_id[row["id"]].expected_owner in (None, row["lease_owner"])]
    if not rows:
        return result
    changed = await execute_many(
        conn, _finish, [_finish_params(row, by_id[row["id"]]) for row in rows]
    )
    report_lost("complete: running -> outcome", expected=len(rows), changed=changed)
    retries = [retry for row in rows if (retry := plan_retry(row, by_id[row["id"]])) is not None]
    if retries:
        await conn.execute(
            insert_ignoring_conflicts(conn, runs), [run_row(r, now) for r in retries]
        )
    result.retries = len(retries)
    result.finished = [(row, by_id[row["id"]]) for row in rows]
    await insert_events(conn, (event for _, o in result.finished for event in o.events))
    await _update_tasks(conn, result, now)
    return result


def _finish_params(row: Row, outcome: Outcome) -> dict[str, object]:
    started = row["started_at"]
    duration = (
        max(int((outcome.finished_at - started).total_seconds() * 1000), 0) if started else None
    )
    return {
        "_id": row["id"],
        "_status": str(outcome.status),
        "_finished": outcome.finished_at,
        "_duration": duration,
        "_result": outcome.result,
        "_error_type": outcome.error_type,
        "_error_message": outcome.error_message,
    }


async def _update_tasks(conn: AsyncConnection, result: CompletionResult, now: datetime) -> None:
    per_task: dict[str, list[tuple[Row, Outcome]]] = defaultdict(list)
    for row, outcome in result.finished:
        per_task[row["task_id"]].append((row, outcome))
    live = await _live_states(conn, per_task)
    await lock_in_order(conn, tasks, per_task)
    counts = []
    unpark: list[str] = []
    may_complete: list[str] = []
    for task_id, finished in per_task.items():
        last_row, last = max(finished, key=lambda pair: pair[1].finished_at)
        states = live[task_id]
        if "running" in states:
            activity = Activity.RUNNING
        elif last.status in FAILED_RUN_STATUSES:
            activity = Activity.ERROR
        else:
            activity = Activity.IDLE
        counts.append(
            {
                "_id": task_id,
                "_total": len(finished),
                "_ok": sum(o.status == RunStatus.SUCCESS for _, o in finished),
                "_bad": sum(o.status in FAILED_RUN_STATUSES for _, o in finished),
                "_last": last.finished_at,
                "_activity": str(activity),
                "_complete": not states,
            }
        )
        if (
            "buffered" in states
            and "running" not in states
            and last_row["task_status"] == TaskStatus.ACTIVE
        ):
            unpark.append(task_id)
        if (
            states
            and last_row["next_run_at"] is None
            and last_row["task_status"] == TaskStatus.ACTIVE
        ):
            may_complete.append(task_id)
    await execute_many(conn, _count, counts)
    for batch in chunks(unpark):
        await conn.execute(
            runs.update()
            .where(
                runs.c.task_id.in_(batch),
                runs.c.status == RunStatus.SCHEDULED,
                runs.c.buffered,
            )
            .values(buffered=False, due_at=now)
        )
    result.unparked = len(unpark)
    result.may_complete = may_complete


async def _live_states(conn: AsyncConnection, task_ids: Iterable[str]) -> dict[str, set[str]]:
    """Per task, what its live runs are: ``running``, ``scheduled`` and/or ``buffered``."""
    live: dict[str, set[str]] = defaultdict(set)
    stmt = _live_runs(conn.dialect.name)
    for batch in chunks(task_ids):
        for row in await fetch_all(conn, stmt, {"_ids": batch}):
            live[row["task_id"]].add("buffered" if row["buffered"] else row["status"])
    return live


async def _mark_completed(conn: AsyncConnection, task_ids: list[str]) -> list[str]:
    """Mark ``completed`` those of ``task_ids`` still active with no fire left; their ids."""
    completed: list[str] = []
    for batch in chunks(task_ids):
        completed += (await conn.scalars(_complete(conn.dialect.name), {"_ids": batch})).all()
    return completed


async def complete_idle_tasks(conn: AsyncConnection, task_ids: list[str]) -> list[str]:
    """Complete those of ``task_ids`` that have no fire left and no scheduled or running run
    (checked again after the commit, in a transaction of its own); return their ids."""
    await lock_in_order(conn, tasks, task_ids)
    live = await _live_states(conn, task_ids)
    return await _mark_completed(conn, [task_id for task_id in task_ids if not live[task_id]])
