"""Teams: the agents a ``team`` task deploys on demand (create, read, list, change, delete)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from runagent_pulse.domain.errors import TeamExists, TeamInUse, TeamNotFound
from runagent_pulse.domain.statuses import TaskStatus
from runagent_pulse.store.sql import Row, fetch_one, page
from runagent_pulse.store.tables import tasks, teams


async def insert_team(conn: AsyncConnection, row: Row) -> None:
    """Raises: TeamExists: the name is taken."""
    if await _by_name(conn, row["name"]) is not None:
        raise TeamExists(row["name"])
    try:
        async with conn.begin_nested():
            await conn.execute(teams.insert().values(**row))
    except IntegrityError:  # a concurrent create took the name
        raise TeamExists(row["name"]) from None


async def _by_name(conn: AsyncConnection, name: str) -> Row | None:
    return await fetch_one(conn, sa.select(teams).where(teams.c.name == name))


async def find_team(conn: AsyncConnection, team: str) -> Row:
    """The team whose id or name is ``team``.

    Raises: TeamNotFound.
    """
    row = await fetch_one(conn, sa.select(teams).where(teams.c.id == team))
    if row is None:
        row = await _by_name(conn, team)
    if row is None:
        raise TeamNotFound(team)
    return row


async def list_teams(
    conn: AsyncConnection, *, limit: int, cursor: str | None
) -> tuple[list[Row], str | None]:
    """Newest first; ``cursor`` is the last id of the previous page."""
    return await page(conn, teams, filters={}, limit=limit, cursor=cursor)


async def update_team(conn: AsyncConnection, team: str, values: dict[str, Any]) -> Row:
    """Raises: TeamNotFound; TeamExists when renaming onto a taken name."""
    row = await find_team(conn, team)
    name = values.get("name")
    if name is not None and name != row["name"]:
        other = await _by_name(conn, name)
        if other is not None:
            raise TeamExists(name)
    await conn.execute(teams.update().where(teams.c.id == row["id"]).values(**values))
    return await find_team(conn, row["id"])


async def delete_team(conn: AsyncConnection, team: str) -> Row:
    """Delete a team no active or paused task runs.

    Raises: TeamNotFound; TeamInUse.
    """
    row = await find_team(conn, team)
    users = list(
        (
            await conn.scalars(
                sa.select(tasks.c.id)
                .where(
                    tasks.c.executor_type == "team",
                    tasks.c.agent_id.in_([row["id"], row["name"]]),
                    tasks.c.status.in_([TaskStatus.ACTIVE, TaskStatus.PAUSED]),
                )
                .order_by(tasks.c.id)
                .limit(100)
            )
        ).all()
    )
    if users:
        raise TeamInUse(row["name"], users)
    await conn.execute(teams.delete().where(teams.c.id == row["id"]))
    return row
