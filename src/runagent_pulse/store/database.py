"""Connections and transactions for SQLite and PostgreSQL (the only module that knows drivers)."""

from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from runagent_pulse.domain import statuses
from runagent_pulse.store.sqlite_inline import InlineConnection, inline_driver
from runagent_pulse.store.types import dump_json, load_json

if TYPE_CHECKING:
    import asyncpg

SQLITE_BUSY_TIMEOUT_MS = 10_000
LOST_RACE_STATES = frozenset({"40P01", "40001"})
"""PostgreSQL's deadlock_detected and serialization_failure: the transaction lost a race with
another one and may simply be run again."""
LOST_RACE_ATTEMPTS = 3
POOL_WAIT_SECONDS = 600.0
"""How long a transaction waits for a pooled connection before it fails (SQLAlchemy's default:
30 s), as long as a run's default timeout: 256 team runs starting together on 2 cores (768 agent
processes) kept every read connection busy past 30 s, and the runs whose read gave up failed."""
CHECKPOINT_EVERY_WRITES = 100
"""SQLite file: write transactions between two checkpoints of its write-ahead log. They run on
a reader's thread; SQLite's own ran inside the commit that crossed 1,000 logged pages, on the
event loop (~1 ms: the due → start lag's p99)."""
CHECKPOINT_EVERY_ROWS = 5_000
"""…or rows written since the last checkpoint, whichever comes first (~3 MB of log): ten
batches of 10,000 new tasks had grown the log to 129 MB without one."""

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")


def lost_race(exc: BaseException) -> bool:
    """Whether ``exc`` is PostgreSQL aborting a transaction that lost a race (a deadlock)."""
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in LOST_RACE_STATES


def retry_lost_races(operation: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Run ``operation`` (one whole transaction) again when PostgreSQL aborts it as the victim
    of a deadlock with another node's transaction, up to :data:`LOST_RACE_ATTEMPTS` times.

    A request that changes a task locks the task, then its runs; a claim or a completion on
    another node locks runs, then tasks. PostgreSQL breaks such a cycle by aborting one side;
    the engine's loops retry on their own, and this makes API operations retry too."""

    @functools.wraps(operation)
    async def attempt(*args: P.args, **kwargs: P.kwargs) -> T:
        for _ in range(LOST_RACE_ATTEMPTS - 1):
            try:
                return await operation(*args, **kwargs)
            except DBAPIError as exc:
                if not lost_race(exc):
                    raise
                log.info("%s lost a race with another transaction; retrying", operation.__name__)
        return await operation(*args, **kwargs)

    return attempt


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for other backends or in-memory databases)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


class Database:
    """An async engine plus the transaction discipline each backend needs.

    SQLite: WAL, a busy timeout, and ``BEGIN IMMEDIATE`` for every write transaction so that a
    claim never upgrades a read lock halfway (which would fail with "database is locked"). Writes
    from one process are also serialised by an asyncio lock, so they queue in memory instead of
    sleeping in SQLite's busy handler. On a SQLite file, write transactions run their statements
    on the event loop's thread (microseconds each, where a hop to aiosqlite's thread took
    ~0.4 ms) and read transactions on aiosqlite's, so a long read never holds the loop.
    """

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        self.url = url
        self.backend = make_url(url).get_backend_name()
        file = sqlite_file(url)
        if file is not None:
            file.parent.mkdir(parents=True, exist_ok=True)
        options: dict[str, Any] = {
            "json_serializer": dump_json,
            "json_deserializer": load_json,
            # SQL parameters hold secrets (http task headers, callback and webhook secrets):
            # never in the sqlalchemy.engine log nor in the text of an error.
            "hide_parameters": True,
            "pool_timeout": POOL_WAIT_SECONDS,
        }
        if self.backend != "sqlite":
            options.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        self.reader: AsyncEngine = create_async_engine(url, **options)
        """What :meth:`read` uses. On a SQLite file: aiosqlite, whose thread keeps a long read
        (the dashboard's text search over every task) from holding the event loop."""
        self.engine = self.reader
        """What :meth:`write` uses. On SQLite: connections that run each statement on the event
        loop's thread (:mod:`runagent_pulse.store.sqlite_inline`)."""
        if file is not None:
            self.engine = create_async_engine(
                url, async_creator=functools.partial(_connect_inline, str(file)), **options
            )
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self._writer: AsyncConnection | None = None
        """SQLite: the connection every write transaction uses (writes are serialised anyway),
        opened by the first one; a pool checkout per transaction cost as much as a claim."""
        self._checkpoint: asyncio.Task[None] | None = None
        self._writes_since_checkpoint = 0
        self._rows_at_checkpoint = 0
        self.observe: Callable[[str, float], None] | None = None
        """Told the kind (``read``/``write``) and seconds of every transaction (metrics)."""
        if self.is_sqlite:
            for engine in {self.engine, self.reader}:
                _configure_sqlite(engine)

    @property
    def is_sqlite(self) -> bool:
        return self.backend == "sqlite"

    @asynccontextmanager
    async def write(self, *, schema_change: bool = False) -> AsyncIterator[AsyncConnection]:
        """A read-write transaction, committed on exit and rolled back on error.

        ``schema_change`` (migrations): on SQLite the transaction runs with foreign keys off,
        because rebuilding a table drops it, which would otherwise delete every row referencing
        it (``ON DELETE CASCADE``); they are checked before the commit instead.
        """
        began = time.perf_counter()
        try:
            async with self._write(schema_change) as conn:
                yield conn
        finally:
            if self.observe is not None:
                self.observe("write", time.perf_counter() - began)

    @asynccontextmanager
    async def _write(self, schema_change: bool) -> AsyncIterator[AsyncConnection]:
        if self._write_lock is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._write_lock:
            conn = await self._sqlite_writer()
            try:
                if schema_change:
                    await _set_foreign_keys(conn, on=False)
                try:
                    async with conn.begin():
                        yield conn
                        if schema_change:
                            await _check_foreign_keys(conn)
                    self._count_write(conn)
                finally:
                    if schema_change:
                        await _set_foreign_keys(conn, on=True)
            except BaseException:
                # The transaction is rolled back; the next one gets a connection no error touched.
                self._writer, self._rows_at_checkpoint = None, 0
                await conn.close()
                raise

    async def _sqlite_writer(self) -> AsyncConnection:
        if self._writer is None:
            conn = await self.engine.connect().start()
            if self._checkpoints_off_the_loop:
                await _pragma(conn, "wal_autocheckpoint=0")
            self._writer = await conn.execution_options(pulse_begin="IMMEDIATE")
        return self._writer

    @property
    def _checkpoints_off_the_loop(self) -> bool:
        """A SQLite file, whose writes run on the loop and reads on threads."""
        return self.engine is not self.reader

    def _count_write(self, conn: AsyncConnection) -> None:
        """After a committed SQLite write: every :data:`CHECKPOINT_EVERY_WRITES` of them or
        :data:`CHECKPOINT_EVERY_ROWS` rows written, checkpoint the write-ahead log on a reader's
        thread (unless one is still at it)."""
        self._writes_since_checkpoint += 1
        driver = inline_driver(conn)
        rows = 0 if driver is None else driver.total_changes
        if (
            self._writes_since_checkpoint >= CHECKPOINT_EVERY_WRITES
            or rows - self._rows_at_checkpoint >= CHECKPOINT_EVERY_ROWS
        ) and (self._checkpoint is None and self._checkpoints_off_the_loop):
            self._writes_since_checkpoint, self._rows_at_checkpoint = 0, rows
            self._checkpoint = asyncio.create_task(self._checkpoint_log())

    async def _checkpoint_log(self) -> None:
        try:
            async with self.reader.connect() as conn:
                await _pragma(conn, "wal_checkpoint(PASSIVE)")
        except Exception:  # the next one tries again; the log only grows meanwhile
            log.warning("checkpointing the SQLite write-ahead log failed", exc_info=True)
        finally:
            self._checkpoint = None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A read-only snapshot."""
        began = time.perf_counter()
        try:
            async with self.reader.connect() as conn, conn.begin():
                yield conn
        finally:
            if self.observe is not None:
                self.observe("read", time.perf_counter() - began)

    async def server_time(self) -> datetime:
        """The database server's clock (SQLite runs in this process: the local clock)."""
        if self.is_sqlite:
            return datetime.now(UTC)
        async with self.engine.connect() as conn:
            instant = await conn.scalar(sa.text("SELECT clock_timestamp()"))
        assert isinstance(instant, datetime)
        return instant.astimezone(UTC)

    async def listen(self, channel: str, on_message: Callable[[str], None]) -> Listener:
        """Subscribe to PostgreSQL ``NOTIFY`` on ``channel`` over a connection of its own."""
        if self.is_sqlite:
            raise RuntimeError("LISTEN/NOTIFY needs PostgreSQL")
        import asyncpg  # a SQLite node never loads the PostgreSQL driver

        dsn = make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)
        conn = await asyncpg.connect(dsn)
        listener = Listener(conn)
        await conn.add_listener(channel, lambda *args: on_message(args[-1]))
        conn.add_termination_listener(lambda _conn: listener.lost.set())
        return listener

    async def checkpointed(self) -> None:
        """Return once a checkpoint of the write-ahead log in progress has ended."""
        if self._checkpoint is not None:
            await self._checkpoint

    async def dispose(self) -> None:
        await self.checkpointed()
        if self._write_lock is not None:
            async with self._write_lock:
                writer, self._writer = self._writer, None
                if writer is not None:
                    await writer.close()
        await self.engine.dispose()
        if self.reader is not self.engine:
            await self.reader.dispose()


async def _connect_inline(path: str) -> InlineConnection:
    return InlineConnection(path)


def _as_null(value: None) -> None:
    return value


def _bind_plainly() -> None:
    """Let :mod:`sqlite3` bind ``None`` and Pulse's status enums without its slow path.

    It binds an int, a float or an exact ``str`` at once. Any other value is looked up in its
    adapter registry, then probed for ``__adapt__`` and ``__conform__``, and only then bound as
    it is. For ``None`` (a new task and its first run have ~20) and ``StrEnum`` members, that
    probing cost more than the binding: ~3 µs of the ~17 µs SQLite took per created task. A
    registered adapter is found at the first step. ``None`` stays ``None`` (NULL), and a
    member becomes its plain text, so SQLite stores exactly what it stored before. The
    registry belongs to the process's :mod:`sqlite3`; these two entries change no value
    anyone binds."""
    sqlite3.register_adapter(type(None), _as_null)
    for enum in vars(statuses).values():
        if isinstance(enum, type) and issubclass(enum, StrEnum) and enum is not StrEnum:
            sqlite3.register_adapter(enum, str.__str__)


def _configure_sqlite(engine: AsyncEngine) -> None:
    _bind_plainly()
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection.isolation_level is not None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("pulse_begin", "DEFERRED")
        driver = connection.connection.driver_connection
        if isinstance(driver, InlineConnection):
            driver.begin(mode)  # at once, on this thread
            return
        cursor = connection.connection.cursor()  # the driver's: no SQLAlchemy statement around it
        cursor.execute(f"BEGIN {mode}")
        cursor.close()


async def _pragma(conn: AsyncConnection, pragma: str) -> None:
    """Run SQLite's ``PRAGMA pragma`` on the driver, outside any transaction: some are no-ops
    inside one (``foreign_keys``), and SQLAlchemy would begin one first."""
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    cursor = await driver.execute(f"PRAGMA {pragma}")
    await cursor.close()


async def _set_foreign_keys(conn: AsyncConnection, *, on: bool) -> None:
    await _pragma(conn, f"foreign_keys={'ON' if on else 'OFF'}")


async def _check_foreign_keys(conn: AsyncConnection) -> None:
    dangling = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).first()
    if dangling is not None:
        raise RuntimeError(f"a schema change left a dangling foreign key: {tuple(dangling)}")


class Listener:
    """A live ``LISTEN``; :attr:`lost` is set when its connection goes away."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn
        self.lost = asyncio.Event()

    async def close(self) -> None:
        if not self._conn.is_closed():
            await self._conn.close(timeout=5)
