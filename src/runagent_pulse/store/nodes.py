"""The node registry: which ``pulse serve`` / ``pulse worker`` processes share this database."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from runagent_pulse.domain.statuses import RunStatus
from runagent_pulse.store.sql import Row, fetch_all
from runagent_pulse.store.tables import nodes, runs


async def register(conn: AsyncConnection, node: Row) -> None:
    """Record a starting node (replacing an earlier record of the same id)."""
    await conn.execute(nodes.delete().where(nodes.c.id == node["id"]))
    await conn.execute(nodes.insert().values(**node))


async def heartbeat(conn: AsyncConnection, node_id: str, now: datetime) -> None:
    await conn.execute(nodes.update().where(nodes.c.id == node_id).values(heartbeat_at=now))


async def mark_stopped(conn: AsyncConnection, node_id: str, now: datetime) -> None:
    await conn.execute(
        nodes.update().where(nodes.c.id == node_id).values(heartbeat_at=now, stopped_at=now)
    )


async def prune(conn: AsyncConnection, *, silent_since: datetime) -> None:
    """Forget nodes that stopped or died before ``silent_since``."""
    await conn.execute(nodes.delete().where(nodes.c.heartbeat_at < silent_since))


async def list_nodes(conn: AsyncConnection) -> list[Row]:
    """Every known node, newest first, with the number of runs it holds leases on."""
    running = (
        sa.select(runs.c.lease_owner, sa.func.count().label("running_runs"))
        .where(runs.c.status == RunStatus.RUNNING)
        .group_by(runs.c.lease_owner)
        .subquery()
    )
    query = (
        sa.select(nodes, sa.func.coalesce(running.c.running_runs, 0).label("running_runs"))
        .outerjoin(running, running.c.lease_owner == nodes.c.id)
        .order_by(nodes.c.started_at.desc(), nodes.c.id)
    )
    return await fetch_all(conn, query)
