"""Every JSON value a column holds reads back exactly, on both backends."""

from __future__ import annotations

import orjson
import pytest
import sqlalchemy as sa

from runagent_pulse.store.database import Database
from runagent_pulse.store.tables import metadata
from runagent_pulse.store.types import JSONValue

VALUES = [
    42,
    0,
    -1,
    1.5,
    0.1,
    -0.0,
    1e300,
    2.5e-300,
    123456789.12345679,
    2**63 - 1,
    2**63 + 1,
    2**64 - 1,
    -(2**63),
    "42",
    "",
    "true",
    "null",
    "1e5",
    "ünïcødé 𝄞 \u2028 \u0000",
    "x" * 100_000,
    True,
    False,
    None,
    [],
    {},
    [1, "a", None, [2.5, {"x": [True]}]],
    {"n": 2**64 - 1, "é": {"list": [1, 2, {"deep": None}]}, "": ""},
    {"a": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]},
]


def test_no_json_column_is_left_to_the_backends_json_type() -> None:
    """SQLite's ``JSON`` columns have numeric affinity: every JSON column is a JSONValue."""
    plain = [
        f"{table.name}.{column.name}"
        for table in metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, sa.JSON)
    ]
    assert plain == []


@pytest.mark.parametrize("value", VALUES, ids=lambda value: repr(value)[:30])
async def test_json_values_read_back_exactly(db_url: str, value: object) -> None:
    scratch = sa.Table(
        "scratch",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("value", JSONValue, nullable=True),
    )
    db = Database(db_url)
    try:
        async with db.write() as conn:
            await conn.run_sync(scratch.metadata.create_all)
            await conn.execute(scratch.insert(), {"id": 1, "value": value})
        async with db.read() as conn:
            found = await conn.scalar(sa.select(scratch.c.value))
        assert orjson.dumps(found) == orjson.dumps(value)
    finally:
        await db.dispose()
