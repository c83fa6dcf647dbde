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
from runagent_pulse.store.bulk import BulkStatement, DriverSelect, bulk_insert, constant
from runagent_pulse.store.database import Database
from runagent_pulse.store.sql import RUN_ROW_COLUMNS, execute_many, fetch_all, run_row
from runagent_pulse.store.tasks import FIRST_RUN_STATE, first_run
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


async def test_constants_are_written_into_the_insert_for_every_row(db: Database) -> None:
    insert = bulk_insert(scratch, constants={"flag": True, "note": "it's", "at": None})
    async with db.write() as conn:
        rows = [{"id": 5, "doc": [1]}, {"id": 6, "doc": None, "flag": False, "note": "ignored"}]
        await execute_many(conn, insert, rows)
    assert await _stored(db) == [(5, None, "[1]", True, "it's"), (6, None, "null", True, "it's")]


def test_a_first_run_with_the_state_its_insert_writes_is_the_run_of_the_first_fire() -> None:
    due, now = datetime.now(UTC), datetime.now(UTC)
    run = {**first_run({"id": "tsk_x", "next_run_at": due}, now), **FIRST_RUN_STATE}
    expected = run_row(NewRun("tsk_x", due, Trigger.SCHEDULE, due_at=due), now)
    assert run.keys() == expected.keys()
    assert {**run, "id": None} == {**expected, "id": None}
    assert run["id"].startswith("run_")


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


async def test_sqlite_stores_statuses_as_text_none_as_null_and_compact_json(
    sqlite_url: str,
) -> None:
    db = Database(sqlite_url)
    rows = [
        _full({"id": 1, "at": None, "doc": None, "note": RunStatus.SCHEDULED}),
        _full({"id": 2, "at": ROWS[0]["at"], "doc": {"n": 2**63, "s": "é"}, "flag": True}),
    ]
    stored = sa.text(
        "SELECT typeof(at), at, typeof(doc), doc, typeof(note), note, typeof(flag), flag "
        "FROM scratch ORDER BY id"
    )
    try:
        async with db.write() as conn:
            await conn.run_sync(scratch.metadata.create_all)
            await execute_many(conn, bulk_insert(scratch), rows)
        async with db.read() as conn:
            found = [tuple(row) for row in (await conn.execute(stored)).all()]
    finally:
        await db.dispose()
    assert found == [
        ("null", None, "text", "null", "text", "scheduled", "null", None),
        (
            *("text", "2026-03-29 01:30:00.000000", "text", '{"n":9223372036854775808,"s":"é"}'),
            *("null", None, "integer", 1),
        ),
    ]
