"""Claiming due runs, leases and heartbeats (the dispatcher's side of the runs table)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from runagent_pulse.domain.plans import ClaimPlan
from runagent_pulse.domain.statuses import Activity, RunStatus
from runagent_pulse.store.bulk import BulkStatement, DriverSelect, constant
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
from runagent_pulse.store.tables import run_events, runs, tasks
from runagent_pulse.store.transitions import move_runs, report_lost

DUE_COLUMNS = (
    runs.c.id,
    runs.c.task_id,
    runs.c.scheduled_for,
    runs.c.attempt,
    runs.c.trigger,
    runs.c.due_at,
    tasks.c.status.label("task_status"),
    tasks.c.overlap,
    tasks.c.catchup,
    tasks.c.catchup_window_seconds,
    sa.cast(tasks.c.trigger_spec, sa.Text).label("trigger_spec"),  # decoded by ScheduleCache
    tasks.c.max_runs,
    tasks.c.fires,
    tasks.c.executor_type,
    tasks.c.agent_id,
    tasks.c.entrypoint_tag,
    tasks.c.params,
    tasks.c.metadata,
    tasks.c.user_id,
    tasks.c.persistent_memory,
    tasks.c.agent_host,
    tasks.c.agent_port,
    tasks.c.timeout_seconds,
)

Planner = Callable[[list[Row], set[str], set[str]], ClaimPlan]

_start = BulkStatement(
    move_runs(RunStatus.SCHEDULED, RunStatus.RUNNING, runs.c.id == sa.bindparam("_id")).values(
        started_at=sa.bindparam("_now"),
        lease_owner=sa.bindparam("_owner"),
        node=sa.bindparam("_owner"),
        lease_expires_at=sa.bindparam("_lease"),
        executor=sa.bindparam("_executor"),
    )
)
_skip = BulkStatement(
    move_runs(RunStatus.SCHEDULED, RunStatus.SKIPPED, runs.c.id == sa.bindparam("_id")).values(
        skip_reason=sa.bindparam("_reason"), finished_at=sa.bindparam("_now"), due_at=None
    )
)
_park = BulkStatement(
    runs.update().where(runs.c.id == sa.bindparam("_id")).values(due_at=None, buffered=True)
)
_advance = BulkStatement(
    tasks.update()
    .where(tasks.c.id == sa.bindparam("_id"))
    .values(
        next_run_at=sa.bindparam("_next"),
        fires=tasks.c.fires + sa.bindparam("_fires"),
        last_fire_at=sa.bindparam("_last"),
        # A task whose fire starts now is running: set in the same row write.
        activity=sa.case(
            (sa.bindparam("_running", type_=sa.Boolean), Activity.RUNNING),
            else_=tasks.c.activity,
        ),
    )
)
_count_skips = BulkStatement(
    tasks.update()
    .where(tasks.c.id == sa.bindparam("_id"))
    .values(runs_skipped=tasks.c.runs_skipped + sa.bindparam("_n"))
)


@functools.cache
def _due_runs(dialect: str) -> DriverSelect:
    """Due runs, oldest first, with what planning and executing them needs (``_now``,
    ``_limit``); built once per backend (building a statement costs more than running it)."""
    stmt = (
        sa.select(*DUE_COLUMNS)
        .join(tasks, tasks.c.id == runs.c.task_id)
        .where(
            likely(dialect, runs.c.status == constant(RunStatus.SCHEDULED)),
            runs.c.due_at <= sa.bindparam("_now"),
        )
        .order_by(runs.c.due_at)
        .limit(sa.bindparam("_limit"))
    )
    if dialect == "postgresql":
        stmt = stmt.with_for_update(of=runs, skip_locked=True, key_share=True)
    return DriverSelect(stmt)


@functools.cache
def _mark_running(dialect: str) -> sa.Update:
    return (
        tasks.update()
        .where(in_ids(tasks.c.id, dialect), tasks.c.activity != Activity.RUNNING)
        .values(activity=Activity.RUNNING)
    )


async def claim_due(
    conn: AsyncConnection,
    *,
    now: datetime,
    limit: int,
    owner: str,
    lease_until: datetime,
    planner: Planner,
) -> tuple[list[Row], ClaimPlan]:
    """Claim up to ``limit`` due runs and apply the planner's decisions in one transaction.

    Returns the started runs (joined with what the executor needs) and the plan applied.
    """
    stmt = _due_runs(conn.dialect.name)
    due = await fetch_all(conn, stmt, {"_now": now, "_limit": limit})
    if not due:
        return [], ClaimPlan()
    running, buffered = await _busy_tasks(
        conn, {r["task_id"] for r in due if r["overlap"] != "allow"}
    )
    plan = planner(due, running, buffered)
    await lock_in_order(conn, tasks, (row["task_id"] for row in due))
    by_id = {row["id"]: row for row in due}
    started_count = await execute_many(
        conn,
        _start,
        [
            {
                "_id": run_id,
                "_now": now,
                "_owner": owner,
                "_lease": lease_until,
                "_executor": by_id[run_id]["executor_type"],
            }
            for run_id in plan.start
        ],
    )
    report_lost("claim: scheduled -> running", expected=len(plan.start), changed=started_count)
    skipped_count = await execute_many(
        conn, _skip, [{"_id": run_id, "_reason": why, "_now": now} for run_id, why in plan.skip]
    )
    report_lost("claim: scheduled -> skipped", expected=len(plan.skip), changed=skipped_count)
    await execute_many(conn, _park, [{"_id": run_id} for run_id in plan.park])
    if plan.new_runs:
        await conn.execute(
            insert_ignoring_conflicts(conn, runs), [run_row(new, now) for new in plan.new_runs]
        )
    started = [by_id[run_id] for run_id in plan.start]
    running = {row["task_id"] for row in started}
    await execute_many(
        conn,
        _advance,
        [
            {
                "_id": a.task_id,
                "_next": a.next_run_at,
                "_fires": a.fires_added,
                "_last": a.last_fire_at,
                "_running": a.task_id in running,
            }
            for a in plan.advances
        ],
    )
    await execute_many(
        conn, _count_skips, [{"_id": tid, "_n": n} for tid, n in plan.skipped.items() if n]
    )
    # Runs started without advancing their task (retries, manual triggers).
    for batch in chunks(running - {a.task_id for a in plan.advances}):
        await conn.execute(_mark_running(conn.dialect.name), {"_ids": batch})
    if plan.cancel_running_of:
        await conn.execute(
            runs.update()
            .where(
                runs.c.task_id.in_(plan.cancel_running_of),
                runs.c.status == RunStatus.RUNNING,
                runs.c.id.not_in(plan.start),
            )
            .values(cancel_requested=True)
        )
    for row in started:
        row["started_at"] = now
    return started, plan


async def _busy_tasks(conn: AsyncConnection, task_ids: set[str]) -> tuple[set[str], set[str]]:
    """Of ``task_ids``, those with a running run, and those with a parked (buffered) run."""
    running: set[str] = set()
    buffered: set[str] = set()
    for batch in chunks(task_ids):
        rows = await fetch_all(
            conn,
            sa.select(runs.c.task_id, runs.c.status)
            .where(
                runs.c.task_id.in_(batch),
                sa.or_(
                    runs.c.status == RunStatus.RUNNING,
                    sa.and_(runs.c.status == RunStatus.SCHEDULED, runs.c.buffered),
                ),
            )
            .distinct(),
        )
        for row in rows:
            (running if row["status"] == RunStatus.RUNNING else buffered).add(row["task_id"])
    return running, buffered


async def next_due_at(conn: AsyncConnection) -> datetime | None:
    """The earliest ``due_at`` of any scheduled run (what the dispatcher sleeps until)."""
    earliest: datetime | None = await conn.scalar(_earliest_due(conn.dialect.name))
    return earliest


@functools.cache
def _earliest_due(dialect: str) -> sa.Select[Any]:
    return sa.select(sa.func.min(runs.c.due_at)).where(
        likely(dialect, runs.c.status == constant(RunStatus.SCHEDULED))
    )


async def heartbeat(conn: AsyncConnection, *, owner: str, lease_until: datetime) -> list[str]:
    """Extend the leases of ``owner``'s running runs; return those whose cancel was requested."""
    mine = sa.select(runs.c.id).where(
        runs.c.lease_owner == owner, runs.c.status == RunStatus.RUNNING
    )
    if conn.dialect.name == "postgresql":  # in id order, as the completion writer locks them
        mine = mine.order_by(runs.c.id).with_for_update(key_share=True)
    await conn.execute(
        runs.update()
        .where(runs.c.id.in_(mine.scalar_subquery()))
        .values(lease_expires_at=lease_until)
    )
    return list(
        (
            await conn.scalars(
                sa.select(runs.c.id).where(
                    runs.c.lease_owner == owner,
                    runs.c.status == RunStatus.RUNNING,
                    runs.c.cancel_requested,
                )
            )
        ).all()
    )


async def requeue_unstarted(
    conn: AsyncConnection,
    expired: list[Row],
    *,
    reporting: list[str],
    started_kind: str,
    now: datetime,
) -> list[Row]:
    """Of ``expired`` runs (``id``, ``lease_owner``), put back in the queue those whose executor
    is one of ``reporting`` and which have no ``started_kind`` event: their agent never began,
    so they are due again now with the same attempt. Returns the runs requeued."""
    if not expired or not reporting:
        return []
    started = sa.exists().where(run_events.c.run_id == runs.c.id, run_events.c.kind == started_kind)
    candidates = await fetch_all(
        conn,
        sa.select(runs.c.id, runs.c.task_id, runs.c.lease_owner, runs.c.attempt).where(
            runs.c.id.in_([row["id"] for row in expired]),
            runs.c.executor.in_(reporting),
            ~started,
        ),
    )
    requeued = []
    for run in candidates:
        changed = await conn.execute(
            move_runs(
                RunStatus.RUNNING,
                RunStatus.SCHEDULED,
                runs.c.id == run["id"],
                runs.c.lease_owner == run["lease_owner"],
            ).values(
                due_at=now,
                started_at=None,
                lease_owner=None,
                lease_expires_at=None,
                node=None,
                executor=None,
            )
        )
        if changed.rowcount:
            requeued.append(run)
    return requeued


async def expired_leases(conn: AsyncConnection, *, now: datetime, limit: int) -> list[Row]:
    """Running runs whose node stopped heartbeating."""
    return await fetch_all(
        conn,
        sa.select(runs.c.id, runs.c.lease_owner, runs.c.lease_expires_at)
        .where(likely(conn, runs.c.status == RunStatus.RUNNING), runs.c.lease_expires_at < now)
        .order_by(runs.c.lease_expires_at)
        .limit(limit),
    )
