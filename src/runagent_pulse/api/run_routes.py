"""``/v1/runs``: history, one run, its events, callback deliveries and team conversation."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from runagent_pulse.api.deps import Cursor, Limit, Svc, error_response, v1_router
from runagent_pulse.service.models import (
    DeliveryList,
    DeliveryOut,
    RunEventList,
    RunList,
    RunOut,
    RunStatusName,
)
from runagent_pulse.service.team_models import ConversationOut

router = v1_router(tags=["runs"])
RUN_NOT_FOUND = {404: error_response("run_not_found")}


@router.get("/runs", response_model=RunList)
async def list_runs(
    svc: Svc,
    task_id: Annotated[str | None, Query(max_length=64)] = None,
    status: RunStatusName | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> RunList:
    return await svc.runs.list(task_id=task_id, status=status, limit=limit, cursor=cursor)


@router.get("/runs/{run_id}", response_model=RunOut)
async def get_run(run_id: str, svc: Svc) -> RunOut:
    return await svc.runs.get(run_id)


@router.post("/runs/{run_id}/cancel", response_model=RunOut)
async def cancel_run(run_id: str, svc: Svc) -> RunOut:
    return await svc.runs.cancel(run_id)


@router.get("/runs/{run_id}/events", response_model=RunEventList, responses=RUN_NOT_FOUND)
async def run_events(
    run_id: str,
    svc: Svc,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> RunEventList:
    """The run's events in the order they happened (written within about a second while it
    runs, and with its outcome)."""
    return await svc.runs.events(run_id, after=int(cursor) if cursor else None, limit=limit)


@router.get(
    "/runs/{run_id}/deliveries",
    response_model=DeliveryList,
    responses=RUN_NOT_FOUND,
    tags=["deliveries"],
)
async def run_deliveries(run_id: str, svc: Svc) -> DeliveryList:
    """The run's callback deliveries, oldest first, each with its attempts."""
    return await svc.runs.deliveries(run_id)


@router.post(
    "/runs/{run_id}/redeliver",
    status_code=202,
    response_model=DeliveryOut,
    tags=["deliveries"],
    responses={
        **RUN_NOT_FOUND,
        409: error_response("invalid_transition: the run has not finished"),
        422: error_response("no_callback_url: the run's task has no callback URL"),
    },
)
async def redeliver(run_id: str, svc: Svc) -> DeliveryOut:
    """Queue a new delivery of the run's stored result to its task's current callback URL."""
    return await svc.runs.redeliver(run_id)


@router.get(
    "/runs/{run_id}/conversation",
    response_model=ConversationOut,
    response_model_by_alias=True,
    responses=RUN_NOT_FOUND,
)
async def run_conversation(run_id: str, svc: Svc) -> ConversationOut:
    """What the agents of a team run said, in order (empty for runs of other executors)."""
    return await svc.runs.conversation(run_id)
