"""Apply the Alembic migrations that ship inside the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from runagent_pulse.store.database import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring ``db`` to ``revision`` (the newest by default), in one transaction."""

    def _upgrade(sync_conn: object) -> None:
        config = alembic_config(db.url)
        config.attributes["connection"] = sync_conn
        command.upgrade(config, revision)

    async with db.write(schema_change=True) as conn:
        await conn.run_sync(_upgrade)
