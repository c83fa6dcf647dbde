"""``/v1/runs/{run_id}/deliveries`` and ``/v1/runs/{run_id}/redeliver``: callback history."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from runagent_pulse.api.auth import bearer
from runagent_pulse.delivery.outbox import Deliverer, payload_of_run
from runagent_pulse.domain.errors import InvalidTransition, NoCallbackURL, RunNotFound
from runagent_pulse.domain.statuses import RunStatus
from runagent_pulse.store import deliveries as delivery_store
from runagent_pulse.store.database import Database
from runagent_pulse.store.sql import Row

router = APIRouter(prefix="/v1", dependencies=[Depends(bearer)], tags=["deliveries"])

DeliveryStatus = Literal["pending", "delivered", "gone", "failed"]
_REDELIVERABLE = frozenset(
    {RunStatus.SUCCESS, RunStatus.FAILED, RunStatus.TIMEOUT, RunStatus.CANCELLED}
)


class AttemptOut(BaseModel):
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int | None
    next_attempt_at: datetime | None
    """When the following attempt is planned; ``null`` after the last one."""


class DeliveryOut(BaseModel):
    delivery_id: str
    webhook_id: str
    url: str
    status: DeliveryStatus
    attempts: list[AttemptOut]
    attempt_count: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime


class DeliveryList(BaseModel):
    items: list[DeliveryOut]


def delivery_view(row: Row) -> DeliveryOut:
    return DeliveryOut(
        delivery_id=row["id"],
        webhook_id=row["webhook_id"],
        url=row["url"],
        status=row["status"],
        attempts=[
            AttemptOut(
                attempted_at=a["attempted_at"],
                status_code=a["status_code"],
                error=a["error"],
                duration_ms=a["duration_ms"],
                next_attempt_at=a["next_attempt_at"],
            )
            for a in row.get("attempt_log", [])
        ],
        attempt_count=row["attempts"],
        next_attempt_at=row["next_attempt_at"] if row["status"] == "pending" else None,
        last_status_code=row["last_status_code"],
        last_error=row["last_error"],
        created_at=row["created_at"],
    )


def _db(request: Request) -> Database:
    return request.app.state.node.db  # type: ignore[no-any-return]


def _deliverer(request: Request) -> Deliverer:
    return request.app.state.node.deliverer  # type: ignore[no-any-return]


@router.get(
    "/runs/{run_id}/deliveries",
    response_model=DeliveryList,
    responses={404: {"description": "run_not_found"}},
)
async def run_deliveries(run_id: str, request: Request) -> DeliveryList:
    """The run's callback deliveries, oldest first, each with its attempts."""
    async with _db(request).read() as conn:
        if await delivery_store.run_for_redelivery(conn, run_id) is None:
            raise RunNotFound(run_id)
        rows = await delivery_store.for_run(conn, run_id)
    return DeliveryList(items=[delivery_view(r) for r in rows])


@router.post(
    "/runs/{run_id}/redeliver",
    status_code=202,
    response_model=DeliveryOut,
    responses={
        404: {"description": "run_not_found"},
        409: {"description": "invalid_transition: the run has not finished"},
        422: {"description": "no_callback_url: the run's task has no callback URL"},
    },
)
async def redeliver(run_id: str, request: Request) -> DeliveryOut:
    """Queue a new delivery of the run's stored result to its task's current callback URL."""
    deliverer = _deliverer(request)
    now = deliverer.clock.now()
    async with _db(request).write() as conn:
        run = await delivery_store.run_for_redelivery(conn, run_id)
        if run is None:
            raise RunNotFound(run_id)
        if run["status"] not in _REDELIVERABLE:
            raise InvalidTransition(run_id, run["status"], "redeliver")
        if run["started_at"] is None:
            raise InvalidTransition(run_id, f"{run['status']} and never ran", "redeliver")
        if not run["callback_url"]:
            raise NoCallbackURL(run_id, run["task_id"])
        row = delivery_store.new_delivery(
            run_id=run_id,
            task_id=run["task_id"],
            url=run["callback_url"],
            payload=payload_of_run(run),
            now=now,
        )
        await delivery_store.add(conn, [row])
    deliverer.notify()
    return delivery_view(row)
