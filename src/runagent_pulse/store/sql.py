"""Small SQL helpers shared by the store modules (dialect differences live here)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from runagent_pulse.domain.ids import new_id
from runagent_pulse.domain.plans import NewRun
from runagent_pulse.store import bulk
from runagent_pulse.store.bulk import BulkStatement, DriverSelect

Row = dict[str, Any]


def insert_ignoring_conflicts(conn: AsyncConnection, table: sa.Table) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` for the connection's backend."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def likely(
    backend: AsyncConnection | str, condition: sa.ColumnElement[bool]
) -> sa.ColumnElement[bool]:
    """``condition``, marked for SQLite's planner as true for most rows: ``likely(…)``.

    Without statistics SQLite takes ``status = ?`` as selective and walks ``ix_runs_status_id``
    through every run of that status (100,000 scheduled runs: ~15 ms a query), where the partial
    index ``ix_runs_due`` (or ``ix_runs_task_id_id``) finds the rows in microseconds. Other
    backends get ``condition`` unchanged. ``backend``: a connection, or its dialect's name.
    """
    name = backend if isinstance(backend, str) else backend.dialect.name
    if name == "sqlite":
        # No Boolean type: SQLite would render ``likely(…) = 1``, which hides the hint.
        hinted: sa.ColumnElement[bool] = sa.func.likely(condition)
        return hinted
    return condition


def in_ids(column: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[bool]:
    """``column`` is one of the list given as the ``_ids`` parameter. PostgreSQL: ``= ANY
    (:_ids)``, one array parameter, so the statement's text (and the server's prepared
    statement) is the same for every list; others: ``IN (…)`` expanded when executed."""
    if dialect == "postgresql":
        return column == sa.any_(sa.bindparam("_ids", type_=postgresql.ARRAY(sa.String)))
    return column.in_(sa.bindparam("_ids", expanding=True))


@functools.cache
def _lock_rows(table: sa.Table) -> sa.Select[Any]:
    return (
        sa.select(table.c.id)
        .where(in_ids(table.c.id, "postgresql"))
        .order_by(table.c.id)
        .with_for_update(key_share=True)
    )


async def lock_in_order(conn: AsyncConnection, table: sa.Table, ids: Iterable[str]) -> None:
    """Lock the rows of ``table`` with these ids, in id order (PostgreSQL; SQLite has one
    writer). Every transaction that updates several tasks (a claim, a completion) takes their
    locks this way first, so two nodes never hold them in opposite orders: no deadlock.
    ``FOR NO KEY UPDATE``, as an ``UPDATE`` takes: inserting a run takes ``KEY SHARE`` on its
    task (the foreign key), which ``FOR UPDATE`` would block."""
    if conn.dialect.name != "postgresql":
        return
    for batch in chunks(sorted(set(ids))):
        await conn.execute(_lock_rows(table), {"_ids": batch})


async def fetch_all(
    conn: AsyncConnection, stmt: Any, params: Mapping[str, Any] | None = None
) -> list[Row]:
    """The rows of ``stmt`` (a :class:`DriverSelect` for the hottest) as dicts."""
    if isinstance(stmt, DriverSelect):
        found = bulk.fetch_inline(conn, stmt, params or {})
        if found is not None:
            return found
        stmt = stmt.statement
    result = await conn.execute(stmt, params)
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


async def fetch_one(conn: AsyncConnection, stmt: Any) -> Row | None:
    row = (await conn.execute(stmt)).first()
    return dict(row._mapping) if row is not None else None


async def execute_many(
    conn: AsyncConnection, stmt: Any, params: Sequence[Mapping[str, Any]]
) -> int | None:
    """Run ``stmt`` (a :class:`BulkStatement` for the hot ones) once per parameter set; the
    rows it changed in all, or None when the driver cannot count the rows of an
    ``executemany`` (asyncpg)."""
    if not params:
        return 0
    if isinstance(stmt, BulkStatement):
        result = await bulk.run(conn, stmt, params)
    else:
        result = await conn.execute(stmt, list(params))
    if len(params) > 1 and not conn.dialect.supports_sane_multi_rowcount:
        return None
    return int(result.rowcount)


RUN_ROW_COLUMNS = (
    *("id", "task_id", "scheduled_for", "attempt", "trigger", "status", "due_at"),
    *("skip_reason", "finished_at", "cancel_requested", "buffered", "created_at"),
)
"""The columns :func:`run_row` gives (the others of a new run are NULL)."""


def run_row(new: NewRun, now: datetime) -> Row:
    """Column values of a new run (every key present, as executemany requires)."""
    skipped = new.status == "skipped"
    return {
        "id": new_id("run"),
        "task_id": new.task_id,
        "scheduled_for": new.scheduled_for,
        "attempt": new.attempt,
        "trigger": str(new.trigger),
        "status": str(new.status),
        "due_at": None if skipped else new.due_at,
        "skip_reason": new.skip_reason,
        "finished_at": now if skipped else None,
        "cancel_requested": False,
        "buffered": False,
        "created_at": now,
    }


async def page(
    conn: AsyncConnection,
    table: sa.Table,
    *,
    filters: Mapping[str, Any],
    limit: int,
    cursor: str | None,
    where: Sequence[sa.ColumnElement[bool]] = (),
) -> tuple[list[Row], str | None]:
    """One page of ``table``, newest first (ids sort by creation time); ``cursor`` is the last
    id of the previous page, and the second value is the cursor of the next page, if any.
    ``filters`` are equalities (None: any value); ``where`` adds other conditions."""
    stmt = sa.select(table).order_by(table.c.id.desc()).limit(limit + 1).where(*where)
    for name, value in filters.items():
        if value is not None:
            stmt = stmt.where(table.c[name] == value)
    if cursor:
        stmt = stmt.where(table.c.id < cursor)
    rows = await fetch_all(conn, stmt)
    next_cursor = rows[limit - 1]["id"] if len(rows) > limit else None
    return rows[:limit], next_cursor


def contains(column: sa.ColumnElement[Any], text: str) -> sa.ColumnElement[bool]:
    """``column`` contains ``text``, case-insensitively, with ``%``, ``_`` and ``\\`` in
    ``text`` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def chunks(values: Iterable[Any], size: int = 500) -> Iterable[list[Any]]:
    """Split ``values`` so ``IN (…)`` lists stay under the backends' parameter limits."""
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
