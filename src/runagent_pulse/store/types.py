"""Column types shared by both backends."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Dialect

T = TypeVar("T")


@functools.lru_cache(maxsize=256)  # a claim binds the same "now" and lease to every run
def _sqlite_text(value: datetime | None) -> str | None:
    """``value`` as the naive UTC text SQLAlchemy's ``DateTime`` stores on SQLite."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store; use aware UTC datetimes")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


@functools.lru_cache(maxsize=256)  # a burst reads the same instants in thousands of rows
def _datetime_from_text(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


class _DirectOnSQLite(sa.types.TypeDecorator[T]):
    """A column type that SQLite binds and reads through one function each way
    (``to_sqlite``, ``from_sqlite``), without SQLAlchemy's wrappers around the
    ``process_*`` methods: the hot statements bind and read thousands of values a second."""

    to_sqlite: Callable[[Any], Any]
    from_sqlite: Callable[[Any], Any]

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        return self.to_sqlite

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return self.from_sqlite


class UTCDateTime(_DirectOnSQLite[datetime]):
    """Aware UTC datetimes in Python; ``timestamptz`` on PostgreSQL, naive UTC text on SQLite."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        instant: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
        return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)

    # On SQLite, one conversion each way instead of this type's and then ``DateTime``'s. The
    # text is the one ``DateTime`` stores there, ``YYYY-MM-DD HH:MM:SS.ffffff``, so stored
    # rows compare alike.
    to_sqlite = staticmethod(_sqlite_text)
    from_sqlite = staticmethod(_datetime_from_text)


def dump_json(value: Any) -> str:
    """The JSON text of ``value``. Integers must fit in 64 bits (-2^63 … 2^64 - 1): beyond
    that orjson raises ``TypeError`` (the API and the executors refuse such values first)."""
    return orjson.dumps(value).decode()


def load_json(text: str | bytes) -> Any:
    return orjson.loads(text)


def _json_from_text(value: str | None) -> Any:
    return None if value is None else load_json(value)


class JSONValue(_DirectOnSQLite[Any]):
    """Any JSON value (object, array, string, number, ``true``/``false``, ``null``), exactly.

    PostgreSQL: ``json``, which keeps the text as written. SQLite: ``TEXT``. A column declared
    ``JSON`` there has numeric affinity, so SQLite turned the text of a bare number into an
    INTEGER or REAL (which the decoder could not read, and which lost digits beyond 2^63).
    Python ``None`` is stored as the JSON ``null`` on both.
    """

    impl = sa.JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.Text())
        return dialect.type_descriptor(sa.JSON())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        # PostgreSQL's JSON type encodes with the engine's serializer (dump_json).
        return dump_json(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if dialect.name != "sqlite" or value is None:
            return value
        return load_json(value)

    to_sqlite = staticmethod(dump_json)
    from_sqlite = staticmethod(_json_from_text)
