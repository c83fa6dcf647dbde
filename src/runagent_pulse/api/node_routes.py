"""``/v1/nodes``: the ``pulse serve`` and ``pulse worker`` processes sharing the database."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from runagent_pulse.api.auth import bearer
from runagent_pulse.node import Node
from runagent_pulse.store import nodes as node_store
from runagent_pulse.store.sql import Row

router = APIRouter(prefix="/v1", dependencies=[Depends(bearer)], tags=["system"])


class NodeOut(BaseModel):
    node_id: str
    host: str
    pid: int
    version: str
    role: str
    state: Literal["alive", "dead", "stopped"]
    """``dead``: no heartbeat for a lease duration (its runs are recovered by other nodes)."""
    alive: bool
    started_at: datetime
    heartbeat_at: datetime
    stopped_at: datetime | None
    running_runs: int


class NodeList(BaseModel):
    items: list[NodeOut]
    server_time: datetime


def node_view(row: Row, *, now: datetime, dead_after: timedelta) -> NodeOut:
    if row["stopped_at"] is not None:
        state: Literal["alive", "dead", "stopped"] = "stopped"
    elif now - row["heartbeat_at"] > dead_after:
        state = "dead"
    else:
        state = "alive"
    return NodeOut(
        node_id=row["id"],
        host=row["host"],
        pid=row["pid"],
        version=row["version"],
        role=row["role"],
        state=state,
        alive=state == "alive",
        started_at=row["started_at"],
        heartbeat_at=row["heartbeat_at"],
        stopped_at=row["stopped_at"],
        running_runs=row["running_runs"],
    )


@router.get("/nodes", response_model=NodeList)
async def list_nodes(request: Request) -> NodeList:
    """Every node seen in the last week, newest first, with the runs each is running."""
    node: Node = request.app.state.node
    now = node.engine.clock.now()
    async with node.db.read() as conn:
        rows = await node_store.list_nodes(conn)
    dead_after = node.engine.lease_duration
    return NodeList(
        items=[node_view(row, now=now, dead_after=dead_after) for row in rows], server_time=now
    )
