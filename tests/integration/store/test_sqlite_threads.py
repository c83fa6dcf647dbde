"""On SQLite, write transactions run on the event loop's thread (fast statements, no hop) and
read transactions on aiosqlite's: a long read (the dashboard's text search over every task)
never holds the loop, so runs due meanwhile are still claimed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from runagent_pulse.store.database import (
    CHECKPOINT_EVERY_ROWS,
    CHECKPOINT_EVERY_WRITES,
    POOL_WAIT_SECONDS,
    Database,
)
from runagent_pulse.store.sqlite_inline import InlineConnection

SLOW_COUNT = sa.text(
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3000000) "
    "SELECT count(*) FROM n"
)


async def test_a_long_read_leaves_the_event_loop_free(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'pulse.db'}")
    ticks = 0
    reading = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        await reading.wait()
        while reading.is_set():
            ticks += 1
            await asyncio.sleep(0.001)

    counting = asyncio.create_task(ticker())
    try:
        async with db.read() as conn:
            reading.set()
            assert await conn.scalar(SLOW_COUNT) == 3_000_000
            reading.clear()
        await counting
        assert ticks >= 3  # the loop ran other work while SQLite counted on its thread
    finally:
        await db.dispose()


async def test_writes_use_inline_connections_and_reads_see_them(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'pulse.db'}")
    try:
        async with db.write() as conn:
            raw = await conn.get_raw_connection()
            assert isinstance(raw.driver_connection, InlineConnection)
            await conn.execute(sa.text("CREATE TABLE t (v INTEGER)"))
            await conn.execute(sa.text("INSERT INTO t VALUES (42)"))
        async with db.read() as conn:
            raw = await conn.get_raw_connection()
            assert not isinstance(raw.driver_connection, InlineConnection)
            assert await conn.scalar(sa.text("SELECT v FROM t")) == 42
    finally:
        await db.dispose()


async def test_a_failed_write_is_rolled_back_and_the_next_write_goes_through(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'pulse.db'}")
    try:
        async with db.write() as conn:
            await conn.execute(sa.text("CREATE TABLE t (v INTEGER PRIMARY KEY)"))
            await conn.execute(sa.text("INSERT INTO t VALUES (1)"))
        with pytest.raises(IntegrityError):
            async with db.write() as conn:
                await conn.execute(sa.text("INSERT INTO t VALUES (2)"))
                await conn.execute(sa.text("INSERT INTO t VALUES (1)"))
        with pytest.raises(asyncio.CancelledError):
            async with db.write() as conn:
                await conn.execute(sa.text("INSERT INTO t VALUES (3)"))
                raise asyncio.CancelledError
        async with db.write() as conn:
            await conn.execute(sa.text("INSERT INTO t VALUES (4)"))
        async with db.read() as conn:
            assert (await conn.execute(sa.text("SELECT v FROM t ORDER BY v"))).scalars().all() == [
                1,
                4,
            ]
    finally:
        await db.dispose()


async def test_the_write_ahead_log_is_checkpointed_off_the_event_loop(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'pulse.db'}")
    page = "x" * 4096
    try:
        async with db.write() as conn:
            await conn.execute(sa.text("CREATE TABLE t (v TEXT)"))
            raw = await conn.get_raw_connection()
            assert isinstance(raw.driver_connection, InlineConnection)
            autocheckpoint = await conn.exec_driver_sql("PRAGMA wal_autocheckpoint")
            assert autocheckpoint.scalar() == 0  # the writer never checkpoints in a commit
        for _ in range(10):
            for _ in range(CHECKPOINT_EVERY_WRITES):
                async with db.write() as conn:
                    await conn.execute(sa.text("INSERT INTO t VALUES (:v)"), {"v": page})
            await db.checkpointed()
        # 1,000 writes of a page or more each: the log restarted after each checkpoint.
        assert (tmp_path / "pulse.db-wal").stat().st_size < 2 * 1024 * 1024
        async with db.read() as conn:
            assert await conn.scalar(sa.text("SELECT count(*) FROM t")) == 1_000
    finally:
        await db.dispose()


async def test_large_write_transactions_are_checkpointed_too(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'pulse.db'}")
    rows = [{"v": "x" * 1024}] * CHECKPOINT_EVERY_ROWS
    try:
        async with db.write() as conn:
            await conn.execute(sa.text("CREATE TABLE t (v TEXT)"))
        for _ in range(10):  # far fewer transactions than CHECKPOINT_EVERY_WRITES
            async with db.write() as conn:
                await conn.execute(sa.text("INSERT INTO t VALUES (:v)"), rows)
            await db.checkpointed()
        # 10 transactions of ~5 MB each: the log restarted after each checkpoint.
        assert (tmp_path / "pulse.db-wal").stat().st_size < 12 * 1024 * 1024
    finally:
        await db.dispose()


async def test_the_read_pool_waits_as_long_as_a_run_may_for_a_connection(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'pulse.db'}")
    try:
        assert db.reader.pool.timeout() == POOL_WAIT_SECONDS  # not SQLAlchemy's 30 s
    finally:
        await db.dispose()
