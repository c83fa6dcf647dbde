"""A SQLite driver connection that runs each statement on the event loop's own thread.

SQLAlchemy's ``sqlite+aiosqlite`` dialect talks to the database through aiosqlite, which sends
every call (cursor, execute, fetch, close, commit) to a thread of its own and waits for the
answer: about 0.4 ms a statement on two cores, so a claim of seven statements took ~4 ms.
SQLite answers the statements Pulse's engine issues (index lookups, a few hundred row updates)
in microseconds, and in WAL mode with ``synchronous=NORMAL`` a commit does not wait for the disk,
so running them where they are awaited is far cheaper than the hop.

:class:`runagent_pulse.store.database.Database` hands these connections to the dialect through
``create_async_engine(async_creator=…)`` for its write transactions; each method has the
signature aiosqlite's has, and raises :mod:`sqlite3`'s own exceptions, which aiosqlite
re-exports. Read transactions, which may read much (the dashboard's text search over every
task), keep using aiosqlite's thread, so the loop is never held for long.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection


class InlineCursor:
    """aiosqlite's ``Cursor`` interface over a :class:`sqlite3.Cursor`, without a thread."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> InlineCursor:
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    async def nextset(self) -> None:
        return None

    async def setinputsizes(self, *sizes: Any) -> None:
        return None

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class InlineConnection:
    """aiosqlite's ``Connection`` interface over a :class:`sqlite3.Connection`, without a
    thread. Opened in autocommit mode: Pulse issues ``BEGIN`` itself."""

    def __init__(self, path: str) -> None:
        self._connection: sqlite3.Connection | None = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False
        )

    @property
    def _live(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")
        return self._connection

    @property
    def isolation_level(self) -> str | None:
        return self._live.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._live.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> InlineCursor:
        return InlineCursor(self._live.execute(sql, parameters))

    @property
    def total_changes(self) -> int:
        """Rows inserted, updated or deleted since the connection opened."""
        return self._live.total_changes

    def begin(self, mode: str) -> None:
        """``BEGIN DEFERRED|IMMEDIATE``, without a cursor object around it."""
        self._live.execute(f"BEGIN {mode}")

    def rows(self, sql: str, parameters: Sequence[Any]) -> list[Any]:
        """Every row of a query, at once (for the hot SELECT of :mod:`store.bulk`)."""
        return self._live.execute(sql, parameters).fetchall()

    async def commit(self) -> None:
        self._live.commit()

    async def rollback(self) -> None:
        self._live.rollback()

    async def create_function(
        self, name: str, num_params: int, func: Callable[..., Any], **kw: Any
    ) -> None:
        self._live.create_function(name, num_params, func, **kw)

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def stop(self) -> None:
        """Close at once (what SQLAlchemy calls to terminate a connection)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def inline_driver(conn: AsyncConnection) -> InlineConnection | None:
    """The :class:`InlineConnection` under ``conn``, if that is what it runs on."""
    driver = conn.sync_connection.connection.driver_connection if conn.sync_connection else None
    return driver if isinstance(driver, InlineConnection) else None
