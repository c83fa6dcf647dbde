"""Apply the Alembic migrations that ship inside the package."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from runagent_pulse.store.database import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD = "0007"
"""The newest revision in ``migrations/versions`` (a test checks it against Alembic's head)."""


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def current_revision(db: Database) -> str | None:
    """The revision ``db`` is at (None for a database Pulse never migrated)."""
    try:
        async with db.read() as conn:
            found: str | None = await conn.scalar(
                sa.text("SELECT version_num FROM alembic_version")
            )
    except DBAPIError:  # no alembic_version table yet
        return None
    return found


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring ``db`` to ``revision`` (the newest by default), in one transaction.

    A database already at the newest revision is left alone without loading Alembic, which
    takes a tenth of a second (every node start, every CLI command that opens the database)."""
    if revision == "head" and await current_revision(db) == HEAD:
        return
    from alembic import command

    def _upgrade(sync_conn: object) -> None:
        config = alembic_config(db.url)
        config.attributes["connection"] = sync_conn
        command.upgrade(config, revision)

    async with db.write(schema_change=True) as conn:
        await conn.run_sync(_upgrade)
