"""A run's event log: what its executor reported while it ran (steps, stream chunks, messages)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from runagent_pulse.domain.plans import RunEvent
from runagent_pulse.store.sql import Row, fetch_all
from runagent_pulse.store.tables import run_events


async def insert_events(conn: AsyncConnection, events: Iterable[RunEvent]) -> None:
    rows = [
        {"run_id": e.run_id, "seq": e.seq, "kind": e.kind, "data": e.data, "at": e.at}
        for e in events
    ]
    if rows:
        await conn.execute(run_events.insert(), rows)


async def list_events(
    conn: AsyncConnection, run_id: str, *, after: int | None, limit: int
) -> list[Row]:
    """Events of ``run_id`` in the order they happened; ``after`` is the last ``id`` seen."""
    query = sa.select(run_events).where(run_events.c.run_id == run_id)
    if after is not None:
        query = query.where(run_events.c.id > after)
    return await fetch_all(conn, query.order_by(run_events.c.id).limit(limit))
