"""Deleting old finished runs with their deliveries and attempts (``PULSE_RUN_RETENTION``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from runagent_pulse.domain.statuses import FINISHED_RUN_STATUSES
from runagent_pulse.store.tables import deliveries, delivery_attempts, runs

_FINISHED = sorted(str(s) for s in FINISHED_RUN_STATUSES)


async def prune_finished_runs(conn: AsyncConnection, *, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` runs that finished before ``before``, and their deliveries and
    attempts; return how many runs went. Runs with a pending delivery are kept."""
    pending = sa.exists().where(deliveries.c.run_id == runs.c.id, deliveries.c.status == "pending")
    ids = list(
        (
            await conn.execute(
                sa.select(runs.c.id)
                .where(
                    runs.c.status.in_(_FINISHED),
                    runs.c.finished_at < before,
                    ~pending,
                )
                .order_by(runs.c.finished_at)
                .limit(limit)
            )
        ).scalars()
    )
    if not ids:
        return 0
    delivery_ids = sa.select(deliveries.c.id).where(deliveries.c.run_id.in_(ids))
    await conn.execute(
        delivery_attempts.delete().where(delivery_attempts.c.delivery_id.in_(delivery_ids))
    )
    await conn.execute(deliveries.delete().where(deliveries.c.run_id.in_(ids)))
    # Re-check the status: nothing may turn a finished run back, but stay safe.
    result = await conn.execute(
        runs.delete().where(runs.c.id.in_(ids), runs.c.status.in_(_FINISHED))
    )
    return int(result.rowcount or 0)
