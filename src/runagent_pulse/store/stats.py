"""Counts of shared state for metrics: what is due but unclaimed, running, waiting to be
delivered, and which team deployments are live (read at each scrape, cluster-wide)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from runagent_pulse.domain.statuses import DeploymentStatus, RunStatus
from runagent_pulse.store.deliveries import PENDING
from runagent_pulse.store.sql import likely
from runagent_pulse.store.tables import deliveries, deployments, runs

LIVE_DEPLOYMENTS = (DeploymentStatus.DEPLOYING, DeploymentStatus.RUNNING, DeploymentStatus.STOPPING)


@dataclass(slots=True)
class ClusterState:
    due_unclaimed: int = 0
    oldest_due_at: datetime | None = None
    running: int = 0
    deliveries_pending: int = 0
    oldest_delivery_at: datetime | None = None
    live_deployments: dict[str, int] = field(default_factory=dict)


async def cluster_state(conn: AsyncConnection, *, now: datetime) -> ClusterState:
    state = ClusterState()
    due = (
        await conn.execute(
            sa.select(sa.func.count(), sa.func.min(runs.c.due_at)).where(
                likely(conn, runs.c.status == RunStatus.SCHEDULED), runs.c.due_at <= now
            )
        )
    ).one()
    state.due_unclaimed, state.oldest_due_at = int(due[0]), due[1]
    state.running = int(
        await conn.scalar(
            sa.select(sa.func.count()).where(likely(conn, runs.c.status == RunStatus.RUNNING))
        )
        or 0
    )
    pending = (
        await conn.execute(
            sa.select(sa.func.count(), sa.func.min(deliveries.c.created_at)).where(
                deliveries.c.status == PENDING
            )
        )
    ).one()
    state.deliveries_pending, state.oldest_delivery_at = int(pending[0]), pending[1]
    for status, count in await conn.execute(
        sa.select(deployments.c.status, sa.func.count())
        .where(deployments.c.status.in_([str(s) for s in LIVE_DEPLOYMENTS]))
        .group_by(deployments.c.status)
    ):
        state.live_deployments[status] = int(count)
    return state
