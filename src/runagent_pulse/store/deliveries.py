"""The delivery outbox: deliveries of finished runs to callback URLs, and their attempts.

A delivery is ``pending`` until it ends as ``delivered`` (2xx), ``gone`` (410) or ``failed``
(the retry schedule is exhausted). A node claims due pending deliveries by setting a short
``lease_expires_at``; an expired lease makes the delivery claimable again (after a crash).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from runagent_pulse.domain.ids import new_id
from runagent_pulse.store.sql import Row, chunks, execute_many, fetch_all
from runagent_pulse.store.tables import deliveries, delivery_attempts, runs, tasks

PENDING = "pending"
DELIVERED = "delivered"
GONE = "gone"
FAILED = "failed"
DELIVERY_STATUSES = (PENDING, DELIVERED, GONE, FAILED)

CLAIM_COLUMNS = (
    deliveries.c.id,
    deliveries.c.run_id,
    deliveries.c.task_id,
    deliveries.c.webhook_id,
    deliveries.c.url,
    deliveries.c.payload,
    deliveries.c.attempts,
    tasks.c.callback_secret,
)


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One attempt to store: what happened and what the delivery becomes."""

    delivery_id: str
    lease: datetime
    attempted_at: datetime
    status: str
    status_code: int | None
    error: str | None
    duration_ms: int | None
    next_attempt_at: datetime | None


def new_delivery(
    *, run_id: str, task_id: str, url: str, payload: dict[str, Any], now: datetime
) -> Row:
    """Column values of a new pending delivery, due at ``now``.

    ``webhook_id`` is derived from the delivery id, so it stays the same on every retry.
    """
    delivery_id = new_id("dlv")
    return {
        "id": delivery_id,
        "run_id": run_id,
        "task_id": task_id,
        "webhook_id": f"msg_{delivery_id}",
        "url": url,
        "payload": payload,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "lease_expires_at": None,
        "last_status_code": None,
        "last_error": None,
        "created_at": now,
        "updated_at": now,
    }


async def add(conn: AsyncConnection, rows: Sequence[Row]) -> None:
    """Insert new deliveries (one ``executemany``)."""
    await execute_many(conn, deliveries.insert(), rows)


async def claim_due(
    conn: AsyncConnection, *, now: datetime, limit: int, lease_until: datetime
) -> list[Row]:
    """Lease up to ``limit`` pending deliveries that are due and not leased by a live node.

    Each returned row has ``lease`` (the lease it was claimed with) and the task's
    ``callback_secret``. On PostgreSQL rows locked by another claimer are skipped.
    """
    free = sa.or_(deliveries.c.lease_expires_at.is_(None), deliveries.c.lease_expires_at <= now)
    stmt = (
        sa.select(*CLAIM_COLUMNS)
        .outerjoin(tasks, tasks.c.id == deliveries.c.task_id)
        .where(deliveries.c.status == PENDING, deliveries.c.next_attempt_at <= now, free)
        .order_by(deliveries.c.next_attempt_at)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=deliveries, skip_locked=True)
    rows = await fetch_all(conn, stmt)
    for batch in chunks([r["id"] for r in rows]):
        await conn.execute(
            deliveries.update()
            .where(deliveries.c.id.in_(batch), deliveries.c.status == PENDING)
            .values(lease_expires_at=lease_until)
        )
    for row in rows:
        row["lease"] = lease_until
    return rows


_finish_attempt = (
    deliveries.update()
    .where(
        deliveries.c.id == sa.bindparam("_id"),
        deliveries.c.status == PENDING,
        deliveries.c.lease_expires_at == sa.bindparam("_lease"),
    )
    .values(
        status=sa.bindparam("_status"),
        attempts=deliveries.c.attempts + 1,
        next_attempt_at=sa.bindparam("_next"),
        lease_expires_at=None,
        last_status_code=sa.bindparam("_code"),
        last_error=sa.bindparam("_error"),
        updated_at=sa.bindparam("_at"),
    )
)


async def record_attempts(conn: AsyncConnection, records: Sequence[AttemptRecord]) -> None:
    """Store attempts and move their deliveries on. A delivery whose lease changed meanwhile
    (another node took it over) keeps the other node's state; the attempt is still logged."""
    await execute_many(
        conn,
        delivery_attempts.insert(),
        [
            {
                "delivery_id": r.delivery_id,
                "attempted_at": r.attempted_at,
                "status_code": r.status_code,
                "error": r.error,
                "duration_ms": r.duration_ms,
                "next_attempt_at": r.next_attempt_at,
            }
            for r in records
        ],
    )
    await execute_many(
        conn,
        _finish_attempt,
        [
            {
                "_id": r.delivery_id,
                "_lease": r.lease,
                "_status": r.status,
                "_next": r.next_attempt_at,
                "_code": r.status_code,
                "_error": r.error,
                "_at": r.attempted_at,
            }
            for r in records
        ],
    )


async def release(conn: AsyncConnection, leases: dict[str, datetime]) -> None:
    """Give up leases without an attempt (a stopping node), so the next claimer sends now."""
    await execute_many(
        conn,
        deliveries.update()
        .where(
            deliveries.c.id == sa.bindparam("_id"),
            deliveries.c.status == PENDING,
            deliveries.c.lease_expires_at == sa.bindparam("_lease"),
        )
        .values(lease_expires_at=None),
        [{"_id": key, "_lease": lease} for key, lease in leases.items()],
    )


async def next_due_at(conn: AsyncConnection) -> datetime | None:
    """When the earliest pending delivery can be claimed: its next attempt, or later when a
    node holds its lease."""
    ready = sa.case(
        (
            deliveries.c.lease_expires_at > deliveries.c.next_attempt_at,
            deliveries.c.lease_expires_at,
        ),
        else_=deliveries.c.next_attempt_at,
    )
    value: datetime | None = await conn.scalar(
        sa.select(sa.func.min(sa.type_coerce(ready, deliveries.c.next_attempt_at.type))).where(
            deliveries.c.status == PENDING
        )
    )
    return value


async def for_run(conn: AsyncConnection, run_id: str) -> list[Row]:
    """A run's deliveries, oldest first, each with its ``attempt_log`` (oldest first)."""
    rows = await fetch_all(
        conn,
        sa.select(deliveries).where(deliveries.c.run_id == run_id).order_by(deliveries.c.id),
    )
    if not rows:
        return rows
    attempts = await fetch_all(
        conn,
        sa.select(delivery_attempts)
        .where(delivery_attempts.c.delivery_id.in_([r["id"] for r in rows]))
        .order_by(delivery_attempts.c.id),
    )
    for row in rows:
        row["attempt_log"] = [a for a in attempts if a["delivery_id"] == row["id"]]
    return rows


async def run_for_redelivery(conn: AsyncConnection, run_id: str) -> Row | None:
    """A run joined with its task's current ``callback_url`` (``None`` when no such run)."""
    stmt = (
        sa.select(runs, tasks.c.callback_url)
        .join(tasks, tasks.c.id == runs.c.task_id)
        .where(runs.c.id == run_id)
    )
    row = (await conn.execute(stmt)).first()
    return dict(row._mapping) if row is not None else None
