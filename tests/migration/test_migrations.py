"""Upgrading an empty database through every revision yields exactly the models' schema."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from runagent_pulse.store.database import Database
from runagent_pulse.store.migrate import upgrade
from runagent_pulse.store.tables import metadata


async def test_migrations_match_the_models(db_url: str) -> None:
    db = Database(db_url)
    try:
        async with db.write() as conn:
            await upgrade(conn, db_url)
            await upgrade(conn, db_url)  # idempotent: a second upgrade is a no-op

            def diff(sync_conn: Any) -> list[Any]:
                return compare_metadata(MigrationContext.configure(sync_conn), metadata)

            assert await conn.run_sync(diff) == []
    finally:
        await db.dispose()
