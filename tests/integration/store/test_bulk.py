"""Bulk statements store exactly what SQLAlchemy's own executemany stores, and a driver select
reads exactly what SQLAlchemy reads, on both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from runagent_pulse.domain.plans import NewRun
from runagent_pulse.domain.statuses import RunStatus, Trigger
from runagent_pulse.store.bulk import BulkStatement, DriverSelect, bulk_insert
from runagent_pulse.store.database import Database
from runagent_pulse.store.sql import RUN_ROW_COLUMNS, constant, execute_many, fetch_all, run_row
from runagent_pulse.store.types import JSONValue, UTCDateTime

scratch = sa.Table(
    "scratch",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UTCDateTime),
    sa.Column("doc", JSONValue),
    sa.Column("flag", sa.Boolean),
    sa.Column("note", sa.String(50)),
)

PARIS = timezone(timedelta(hours=1))
ROWS: list[dict[str, Any]] = [
    {"id": 1, "at": datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "doc": {"n": 2**63}, "flag": True},
    {"id": 2, "at": datetime(2026, 12, 5, 9, 0, 0, 7, tzinfo=PARIS), "doc": [1, "é", None]},
    {"id": 3, "at": None, "doc": None, "flag": False, "note": "plain"},
]


def _full(row: dict[str, Any]) -> dict[str, Any]:
    return {"flag": None, "note": None, **row}


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    async with database.write() as conn:
        await conn.run_sync(scratch.metadata.create_all)
    yield database
    await database.dispose()


async def _stored(db: Database) -> list[tuple[Any, ...]]:
    async with db.read() as conn:
        raw = sa.select(
            scratch.c.id,
            sa.cast(scratch.c.at, sa.Text),
            sa.cast(scratch.c.doc, sa.Text),
            scratch.c.flag,
            scratch.c.note,
        ).order_by(scratch.c.id)
        return [tuple(row) for row in (await conn.execute(raw)).all()]


async def test_bulk_insert_stores_what_sqlalchemy_stores(db: Database) -> None:
    async with db.write() as conn:
        await conn.execute(scratch.insert(), [_full(row) for row in ROWS])
    expected = await _stored(db)
    async with db.write() as conn:
        await conn.execute(scratch.delete())
        inserted = await execute_many(conn, bulk_insert(scratch), [_full(r) for r in ROWS])
    assert inserted in (3, None)  # asyncpg cannot count an executemany's rows
    assert await _stored(db) == expected
    async with db.read() as conn:
        read = (await conn.execute(sa.select(scratch).order_by(scratch.c.id))).all()
    assert [row.at for row in read] == [row["at"] for row in ROWS]
    assert [row.doc for row in read] == [row["doc"] for row in ROWS]


async def test_bulk_update_binds_given_and_fixed_values(db: Database) -> None:
    update = BulkStatement(
        scratch.update()
        .where(scratch.c.id == sa.bindparam("_id"))
        .values(at=sa.bindparam("_at"), note="touched")
    )
    later = datetime(2027, 1, 1, tzinfo=UTC)
    async with db.write() as conn:
        await execute_many(conn, bulk_insert(scratch), [_full(r) for r in ROWS])
        changed = await execute_many(
            conn,
            update,
            [{"_id": 1, "_at": later}, {"_id": 3, "_at": later}, {"_id": 9, "_at": later}],
        )
    assert changed in (2, None)  # asyncpg cannot count an executemany's rows
    async with db.read() as conn:
        rows = (await conn.execute(sa.select(scratch.c.id, scratch.c.at, scratch.c.note))).all()
    assert sorted(tuple(r) for r in rows) == [
        (1, later, "touched"),
        (2, ROWS[1]["at"], None),
        (3, later, "touched"),
    ]


async def test_a_row_missing_a_parameter_is_refused(db: Database) -> None:
    async with db.write() as conn:
        with pytest.raises(KeyError, match="flag"):
            await execute_many(conn, bulk_insert(scratch), [{"id": 4, "at": None, "doc": 1}])


def test_run_row_gives_exactly_the_columns_the_run_insert_lists() -> None:
    new = NewRun("tsk_x", datetime.now(UTC), Trigger.SCHEDULE, due_at=datetime.now(UTC))
    assert tuple(run_row(new, datetime.now(UTC))) == RUN_ROW_COLUMNS
    assert run_row(new, datetime.now(UTC))["status"] == RunStatus.SCHEDULED


async def test_a_driver_select_reads_what_sqlalchemy_reads(db: Database) -> None:
    query = (
        sa.select(scratch.c.id, scratch.c.at.label("when"), scratch.c.doc, scratch.c.flag)
        .where(
            scratch.c.id >= sa.bindparam("_from"),
            sa.func.coalesce(scratch.c.note, "") != constant("x'y"),
        )
        .order_by(scratch.c.id)
        .limit(sa.bindparam("_limit"))
    )
    params = {"_from": 2, "_limit": 5}
    async with db.write() as conn:
        await execute_many(conn, bulk_insert(scratch), [_full(r) for r in ROWS])
        expected = [dict(row) for row in (await conn.execute(query, params)).mappings()]
        read = await fetch_all(conn, DriverSelect(query), params)
    assert [row["id"] for row in read] == [2, 3]
    assert read == expected
    assert [row["when"] for row in read] == [ROWS[1]["at"], None]
    assert [type(row["flag"]) for row in read] == [type(None), bool]
