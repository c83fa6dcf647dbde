"""JSON columns hold JSON text on SQLite

SQLite gave the columns declared ``JSON`` numeric affinity: the text of a bare number (a local
agent returning ``42``) was stored as an INTEGER or REAL, which the JSON decoder could not read
(every read of the run failed), and integers beyond 2^63 - 1 lost digits. The columns become
``TEXT``, so what is written is kept as written. The tables are rebuilt (SQLite cannot change a
column's type in place) with foreign keys off (see ``Database.write(schema_change=True)``);
values already stored as numbers become the JSON of the number SQLite kept, with every digit it
kept (digits already lost cannot come back).

PostgreSQL's ``json`` type keeps the text as written: nothing to do there.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 05:00:00.000000
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON_COLUMNS = {
    "tasks": ("params", "metadata", "repeat", "trigger_spec"),
    "runs": ("result",),
    "deliveries": ("payload",),
    "teams": ("agents",),
    "deployments": ("agents",),
    "conversation": ("content",),
    "run_events": ("data",),
}


def upgrade() -> None:
    _retype(old=sa.JSON(), new=sa.Text())


def downgrade() -> None:
    _retype(old=sa.Text(), new=sa.JSON())


def _retype(old: sa.types.TypeEngine[Any], new: sa.types.TypeEngine[Any]) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for table, columns in JSON_COLUMNS.items():
        numbers = _stored_as_numbers(bind, table, columns)
        with op.batch_alter_table(table, recreate="always") as batch:
            for column in columns:
                batch.alter_column(column, type_=new, existing_type=old)
        for statement, values in numbers:
            bind.execute(statement, values)


def _stored_as_numbers(
    bind: sa.Connection, table: str, columns: tuple[str, ...]
) -> list[tuple[sa.Update, dict[str, Any]]]:
    """The updates that rewrite, as JSON text, the values SQLite stored as INTEGER or REAL.

    Read before the rebuild: the rebuild's ``CAST(… AS TEXT)`` keeps only 15 digits of a REAL.
    """
    keys = sa.inspect(bind).get_pk_constraint(table)["constrained_columns"]
    target = sa.table(table, *(sa.column(name) for name in (*keys, *columns)))
    updates = []
    for column in columns:
        value = target.c[column]
        found = bind.execute(
            sa.select(*(target.c[key] for key in keys), value).where(
                sa.func.typeof(value).in_(["integer", "real"])
            )
        )
        for row in found:
            *key_values, number = row
            statement = (
                target.update()
                .where(*(target.c[key] == sa.bindparam(f"key_{key}") for key in keys))
                .values({column: sa.bindparam("json")})
            )
            bound = {f"key_{key}": v for key, v in zip(keys, key_values, strict=True)}
            updates.append((statement, {**bound, "json": json.dumps(number)}))
    return updates
