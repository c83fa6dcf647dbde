"""Small server-wide values kept in the ``kv`` table (the generated webhook secret)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from runagent_pulse.store.sql import insert_ignoring_conflicts
from runagent_pulse.store.tables import kv

WEBHOOK_SECRET_KEY = "webhook_secret"


async def get_value(conn: AsyncConnection, key: str) -> str | None:
    value: str | None = await conn.scalar(sa.select(kv.c.value).where(kv.c.key == key))
    return value


async def get_or_create(conn: AsyncConnection, key: str, factory: Callable[[], str]) -> str:
    """The stored value of ``key``; when absent, store ``factory()`` first.

    Safe when several nodes start at once: the first insert wins and everyone reads it back.
    """
    existing = await get_value(conn, key)
    if existing is not None:
        return existing
    await conn.execute(insert_ignoring_conflicts(conn, kv).values(key=key, value=factory()))
    stored = await get_value(conn, key)
    assert stored is not None
    return stored
