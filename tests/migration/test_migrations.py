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
        await upgrade(db)
        await upgrade(db)  # idempotent: a second upgrade is a no-op
        async with db.read() as conn:

            def diff(sync_conn: Any) -> list[Any]:
                return compare_metadata(MigrationContext.configure(sync_conn), metadata)

            assert await conn.run_sync(diff) == []
    finally:
        await db.dispose()


def test_head_constant_is_alembics_head() -> None:
    """``upgrade`` skips Alembic for a database at ``HEAD``: a new migration must move it."""
    from alembic.script import ScriptDirectory

    from runagent_pulse.store.migrate import HEAD, alembic_config

    assert ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() == HEAD
