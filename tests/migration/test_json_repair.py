"""Revision 0006 repairs JSON that SQLite stored as numbers (the columns had numeric affinity)
without losing the rows that reference the rebuilt tables."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from runagent_pulse.domain.plans import RunEvent
from runagent_pulse.store import deliveries as delivery_store
from runagent_pulse.store.migrate import upgrade
from runagent_pulse.store.run_events import insert_events
from runagent_pulse.store.tables import deliveries, run_events, runs
from tests.integration.engine.harness import Harness

NOW = datetime(2027, 1, 15, 9, tzinfo=UTC)
RESULTS = [42, -7, 0.1, -0.5, 123456789.12345679, 2**63 + 1, "42", True, None, [1, 2.5]]
NUMBERS = 6
"""How many of RESULTS are bare numbers (SQLite stored those as INTEGER or REAL)."""


def read_back(value: object, sqlite: bool) -> object:
    """What a value written before 0006 reads as after it: itself, except the digits SQLite
    dropped when it stored an integer beyond 2^63 - 1 as a REAL."""
    if sqlite and isinstance(value, int) and value >= 2**63:
        return float(value)
    return value


async def stored_as_numbers(conn: AsyncConnection) -> int:
    typeof = sa.func.typeof(runs.c.result)
    count = await conn.scalar(sa.select(sa.func.count()).where(typeof.in_(["integer", "real"])))
    return int(count or 0)


async def test_numbers_stored_by_sqlite_read_back_after_the_migration(db_url: str) -> None:
    h = Harness(db_url, NOW)
    try:
        await upgrade(h.db, "0005")
        written = {}
        for value in RESULTS:
            (run,) = await h.runs_of(await h.create(when="in 1 hour"))
            written[run["id"]] = value
        first = next(iter(written))
        async with h.db.write() as conn:
            for run_id, value in written.items():
                await conn.execute(runs.update().where(runs.c.id == run_id).values(result=value))
            delivery = delivery_store.new_delivery(
                run_id=first, task_id="tsk", url="http://127.0.0.1/x", payload={"n": 1}, now=NOW
            )
            await delivery_store.add(conn, [delivery])
            await insert_events(conn, [RunEvent(first, 1, "step", {"i": 1}, NOW)])
            if h.db.is_sqlite:
                assert await stored_as_numbers(conn) == NUMBERS  # the broken state

        await upgrade(h.db)

        async with h.db.read() as conn:
            found = dict((await conn.execute(sa.select(runs.c.id, runs.c.result))).all())
            # the rebuild of runs did not cascade to the rows referencing it
            assert await conn.scalar(sa.select(sa.func.count()).select_from(deliveries)) == 1
            assert await conn.scalar(sa.select(sa.func.count()).select_from(run_events)) == 1
            if h.db.is_sqlite:
                assert await stored_as_numbers(conn) == 0
        for run_id, value in written.items():
            expected = read_back(value, h.db.is_sqlite)
            assert orjson.dumps(found[run_id]) == orjson.dumps(expected)
    finally:
        await h.close()
