"""Deployments of teams (one per team run) and the conversation their agents had."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from runagent_pulse.domain.errors import DeploymentNotFound
from runagent_pulse.domain.statuses import ENDED_DEPLOYMENT_STATUSES, RunStatus
from runagent_pulse.store.sql import Row, fetch_all, fetch_one, page
from runagent_pulse.store.tables import conversation, deployments, runs

_ENDED = sorted(str(s) for s in ENDED_DEPLOYMENT_STATUSES)


async def insert_deployment(conn: AsyncConnection, row: Row) -> None:
    """Record a deployment (before anything starts) and link its run to it."""
    await conn.execute(deployments.insert().values(**row))
    await conn.execute(
        runs.update().where(runs.c.id == row["run_id"]).values(deployment_id=row["id"])
    )


async def update_deployment(
    conn: AsyncConnection, deployment_id: str, *, now: datetime, **values: Any
) -> None:
    """Change a deployment that has not ended (an ended one stays as it is)."""
    if values.get("status") in ENDED_DEPLOYMENT_STATUSES:
        values["stopped_at"] = now
    await conn.execute(
        deployments.update()
        .where(deployments.c.id == deployment_id, deployments.c.status.not_in(_ENDED))
        .values(updated_at=now, **values)
    )


async def get_deployment(conn: AsyncConnection, deployment_id: str) -> Row:
    """Raises: DeploymentNotFound."""
    row = await fetch_one(conn, sa.select(deployments).where(deployments.c.id == deployment_id))
    if row is None:
        raise DeploymentNotFound(deployment_id)
    return row


async def list_for_team(
    conn: AsyncConnection, team_id: str, *, limit: int, cursor: str | None
) -> tuple[list[Row], str | None]:
    """The team's deployments (one per team run), newest first."""
    return await page(conn, deployments, filters={"team_id": team_id}, limit=limit, cursor=cursor)


async def add_message(
    conn: AsyncConnection,
    deployment_id: str,
    *,
    seq: int,
    sender: str,
    recipient: str,
    content: Any,
    at: datetime,
) -> None:
    await conn.execute(
        conversation.insert().values(
            deployment_id=deployment_id,
            seq=seq,
            sender=sender,
            recipient=recipient,
            content=content,
            at=at,
        )
    )


async def messages(conn: AsyncConnection, deployment_id: str) -> list[Row]:
    """The deployment's conversation, in the order it happened."""
    return await fetch_all(
        conn,
        sa.select(conversation)
        .where(conversation.c.deployment_id == deployment_id)
        .order_by(conversation.c.seq),
    )


async def orphans(conn: AsyncConnection, *, now: datetime, limit: int) -> list[Row]:
    """Deployments that have not ended although their run is no longer running on a live node
    (the run ended, or its lease expired: the node that ran it died)."""
    live_run = sa.exists().where(
        runs.c.id == deployments.c.run_id,
        runs.c.status == RunStatus.RUNNING,
        runs.c.lease_expires_at >= now,
    )
    return await fetch_all(
        conn,
        sa.select(deployments)
        .where(deployments.c.status.not_in(_ENDED), ~live_run)
        .order_by(deployments.c.id)
        .limit(limit),
    )
