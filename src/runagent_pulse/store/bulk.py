"""The engine's hottest statements, bound and read by the driver directly.

Given a list of parameter dicts, SQLAlchemy builds a dict per row, runs each column's bind
processor through a chain of wrappers and only then hands tuples to the driver: on a burst of
10,000 runs that was a fifth of the engine's CPU. A :class:`BulkStatement` is compiled once per
dialect; each row becomes the driver's tuple directly, converted by the same bind processors
SQLAlchemy would use (so the stored values are identical), and goes to the driver's
``executemany`` through :meth:`AsyncConnection.exec_driver_sql`.

A :class:`DriverSelect` is the SELECT a claim starts with: on a SQLite file's write connection
(:class:`InlineConnection`) it runs on the driver itself and its columns are read by
SQLAlchemy's own result processors, without the ~60 µs ``conn.execute`` spends around it (an
eighth of the claim of a run due now); elsewhere it is an ordinary ``conn.execute``.

Only statements whose every parameter is either given in each row (``bindparam("_id")``) or
fixed in the statement (``.values(lease_owner=None)``) qualify: no column defaults are applied.
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from runagent_pulse.store.sqlite_inline import inline_driver


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement's SQL and how a parameter dict becomes the driver's tuple for it."""

    sql: str
    pick: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    """The given values, in order (``operator.itemgetter``: one C call for a whole row)."""
    fixed: tuple[tuple[int, Any], ...]
    """Values fixed in the statement, by position, in ascending order."""
    conversions: tuple[tuple[int, Callable[[Any], Any]], ...]
    """The bind processor of each position that has one."""

    def row(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        values = self.pick(params)
        if not self.fixed and not self.conversions:
            return values
        converted = list(values)
        for position, value in self.fixed:
            converted.insert(position, value)
        for position, process in self.conversions:
            converted[position] = process(converted[position])
        return tuple(converted)


def _picker(names: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    if len(names) == 1:
        (name,) = names
        return lambda params: (params[name],)
    if not names:
        return lambda params: ()
    return operator.itemgetter(*names)


def _compile(statement: sa.Update | sa.Insert | sa.Select[Any], dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    given: list[str] = []
    fixed: list[tuple[int, Any]] = []
    conversions: list[tuple[int, Callable[[Any], Any]]] = []
    for position, name in enumerate(compiled.positiontup or ()):
        bind = compiled.binds[name]
        if bind.required:
            given.append(name)
        else:
            fixed.append((position, bind.value))
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            conversions.append((position, process))
    return _Compiled(str(compiled), _picker(given), tuple(fixed), tuple(conversions))


class BulkStatement:
    """``statement`` (an UPDATE, or an INSERT with every column given), for :func:`run`."""

    __slots__ = ("_forms", "statement")

    def __init__(self, statement: sa.Update | sa.Insert) -> None:
        self.statement = statement
        self._forms: weakref.WeakKeyDictionary[Dialect, _Compiled] = weakref.WeakKeyDictionary()

    def compiled(self, dialect: Dialect) -> _Compiled:
        form = self._forms.get(dialect)
        if form is None:
            form = self._forms[dialect] = _compile(self.statement, dialect)
        return form


@dataclass(frozen=True, slots=True)
class _CompiledSelect:
    query: _Compiled
    keys: tuple[str, ...]
    conversions: tuple[tuple[int, Callable[[Any], Any]], ...]
    """The result processor of each column that has one, by position."""

    def row(self, values: Sequence[Any]) -> dict[str, Any]:
        converted = list(values)
        for position, process in self.conversions:
            converted[position] = process(converted[position])
        return dict(zip(self.keys, converted, strict=True))


class DriverSelect:
    """``statement`` (a SELECT of columns, no expanding ``IN``), for :func:`fetch_inline`."""

    __slots__ = ("_forms", "statement")

    def __init__(self, statement: sa.Select[Any]) -> None:
        self.statement = statement
        self._forms: weakref.WeakKeyDictionary[Dialect, _CompiledSelect] = (
            weakref.WeakKeyDictionary()
        )

    def compiled(self, dialect: Dialect) -> _CompiledSelect:
        form = self._forms.get(dialect)
        if form is None:
            columns = list(self.statement.selected_columns)
            processors = [
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in columns
            ]
            form = self._forms[dialect] = _CompiledSelect(
                _compile(self.statement, dialect),
                tuple(str(column.key) for column in columns),
                tuple((i, p) for i, p in enumerate(processors) if p is not None),
            )
        return form


def constant(value: str) -> sa.ColumnElement[str]:
    """``value`` written into the statement's text, not bound: SQLite then sees it when it
    plans the statement, and uses a partial index on it (``WHERE status = 'scheduled'``)
    without planning the statement again at every execution, as it does when a bound value
    decides whether the index applies (most of a claim's SELECT went there)."""
    quoted = str(value).replace("'", "''")
    return sa.literal_column(f"'{quoted}'", sa.String)


def _written(value: Any) -> sa.ColumnElement[Any]:
    """``value`` (None, a bool, an int or a text) as SQL in the statement's text."""
    if value is None:
        return sa.null()
    if isinstance(value, bool):
        return sa.true() if value else sa.false()
    if isinstance(value, int):
        return sa.literal_column(str(value), sa.Integer)
    if isinstance(value, str):
        return constant(value)
    raise TypeError(f"cannot write {type(value).__name__} into a statement")


def bulk_insert(
    table: sa.Table,
    columns: Iterable[str] | None = None,
    constants: Mapping[str, Any] | None = None,
) -> BulkStatement:
    """``INSERT INTO table (columns) VALUES (…)`` (every column by default); each row must give
    each of them, and the others are left NULL (no column default applies). ``constants``:
    columns whose value every row has, written into the statement instead of bound per row
    (rows may still hold them; they are not read)."""
    constants = constants or {}
    names = [c.name for c in table.c] if columns is None else list(columns)
    values: dict[str, Any] = {
        n: _written(constants[n]) if n in constants else sa.bindparam(n, type_=table.c[n].type)
        for n in names
    }
    return BulkStatement(table.insert().values(values))


async def run(
    conn: AsyncConnection, statement: BulkStatement, params: Sequence[Mapping[str, Any]]
) -> Any:
    """Execute ``statement`` once per parameter set; the driver's cursor result."""
    form = statement.compiled(conn.dialect)
    return await conn.exec_driver_sql(form.sql, [form.row(p) for p in params])


def fetch_inline(
    conn: AsyncConnection, query: DriverSelect, params: Mapping[str, Any]
) -> list[dict[str, Any]] | None:
    """The rows of ``query`` with ``params``, as dicts keyed by column, read on ``conn``'s
    inline SQLite driver; None when ``conn`` has none (then run ``query.statement``)."""
    driver = inline_driver(conn)
    if driver is None:
        return None
    form = query.compiled(conn.dialect)
    return [form.row(values) for values in driver.rows(form.query.sql, form.query.row(params))]
