"""Apply the Alembic migrations that ship inside the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncConnection

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(conn: AsyncConnection, url: str) -> None:
    """Bring the database behind ``conn`` to the newest revision."""

    def _upgrade(sync_conn: object) -> None:
        config = alembic_config(url)
        config.attributes["connection"] = sync_conn
        command.upgrade(config, "head")

    await conn.run_sync(_upgrade)
