"""``/v1/runs/{run_id}/events``: what a run's executor reported while it ran."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from runagent_pulse.api.auth import bearer
from runagent_pulse.node import Node
from runagent_pulse.store import run_events as event_store
from runagent_pulse.store import runs as run_store

router = APIRouter(prefix="/v1", dependencies=[Depends(bearer)], tags=["runs"])


class RunEventOut(BaseModel):
    event_id: int
    seq: int
    kind: str
    data: dict[str, Any]
    at: datetime


class RunEventList(BaseModel):
    items: list[RunEventOut]
    next_cursor: str | None
    """Pass as ``cursor`` to read on; ``null`` when this page is the last one so far."""


@router.get(
    "/runs/{run_id}/events",
    response_model=RunEventList,
    responses={404: {"description": "run_not_found"}},
)
async def run_events(
    run_id: str,
    request: Request,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> RunEventList:
    """The run's events in the order they happened (written within about a second while it
    runs, and with its outcome)."""
    node: Node = request.app.state.node
    async with node.db.read() as conn:
        await run_store.get_run(conn, run_id)
        rows = await event_store.list_events(
            conn, run_id, after=int(cursor) if cursor else None, limit=limit
        )
    items = [
        RunEventOut(event_id=r["id"], seq=r["seq"], kind=r["kind"], data=r["data"], at=r["at"])
        for r in rows
    ]
    return RunEventList(
        items=items, next_cursor=str(items[-1].event_id) if len(items) == limit else None
    )
