"""The ``/v1`` routes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from runagent_pulse import __version__
from runagent_pulse.api.auth import bearer
from runagent_pulse.api.schemas import (
    MAX_BATCH,
    MAX_BODY_BYTES,
    MAX_METADATA_BYTES,
    BatchCreate,
    BatchOut,
    ExecutorList,
    ExecutorOut,
    ParseIn,
    ResultOut,
    ResumeIn,
    RunList,
    RunOut,
    ScheduleOut,
    TaskCreate,
    TaskList,
    TaskOut,
    TaskPatch,
)
from runagent_pulse.api.service import TaskService, _repeat_dict
from runagent_pulse.api.views import result_view, run_view, task_view
from runagent_pulse.domain.errors import InvalidTarget
from runagent_pulse.store import runs as run_store
from runagent_pulse.store import tasks as task_store
from runagent_pulse.timespec import parse_schedule

router = APIRouter(prefix="/v1", dependencies=[Depends(bearer)])

TaskStatusQ = Literal["active", "paused", "completed", "cancelled"]
RunStatusQ = Literal["scheduled", "running", "success", "failed", "timeout", "cancelled", "skipped"]
Limit = Annotated[int, Query(ge=1, le=500)]
Cursor = Annotated[str | None, Query(max_length=64)]


async def service(request: Request) -> TaskService:
    """The app's service (``async`` so FastAPI does not run it in a thread pool per request)."""
    return request.app.state.service  # type: ignore[no-any-return]


Service = Annotated[TaskService, Depends(service)]


@router.post("/tasks", status_code=201, response_model=TaskOut, tags=["tasks"])
async def create_task(body: TaskCreate, svc: Service, response: Response) -> TaskOut:
    rows, is_new = await svc.create([body])
    if not is_new[0]:
        response.status_code = 200
    return task_view(rows[0])


@router.post("/tasks/batch", status_code=201, response_model=BatchOut, tags=["tasks"])
async def create_batch(body: BatchCreate, svc: Service) -> BatchOut:
    rows, _ = await svc.create(body.tasks)
    return BatchOut(
        count=len(rows),
        items=[
            {"task_id": r["id"], "status": r["status"], "next_run_at": r["next_run_at"]}
            for r in rows
        ],
    )


@router.get("/tasks", response_model=TaskList, tags=["tasks"])
async def list_tasks(
    svc: Service,
    status: TaskStatusQ | None = None,
    activity: Literal["idle", "running", "error"] | None = None,
    agent_id: Annotated[str | None, Query(max_length=200)] = None,
    executor_type: Annotated[str | None, Query(max_length=40)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> TaskList:
    filters = {
        "status": status,
        "activity": activity,
        "agent_id": agent_id,
        "executor_type": executor_type,
    }
    async with svc.db.read() as conn:
        rows, next_cursor = await task_store.list_tasks(
            conn, filters=filters, limit=limit, cursor=cursor
        )
    return TaskList(items=[task_view(r) for r in rows], next_cursor=next_cursor)


@router.get("/tasks/{task_id}", response_model=TaskOut, tags=["tasks"])
async def get_task(task_id: str, svc: Service) -> TaskOut:
    return task_view(await svc.get(task_id))


@router.patch("/tasks/{task_id}", response_model=TaskOut, tags=["tasks"])
async def patch_task(task_id: str, body: TaskPatch, svc: Service) -> TaskOut:
    return task_view(await svc.patch(task_id, body))


@router.delete("/tasks/{task_id}", response_model=TaskOut, tags=["tasks"])
async def cancel_task(task_id: str, svc: Service) -> TaskOut:
    return task_view(await svc.cancel(task_id))


@router.post("/tasks/{task_id}/pause", response_model=TaskOut, tags=["tasks"])
async def pause_task(task_id: str, svc: Service) -> TaskOut:
    return task_view(await svc.pause(task_id))


@router.post("/tasks/{task_id}/resume", response_model=TaskOut, tags=["tasks"])
async def resume_task(task_id: str, svc: Service, body: ResumeIn | None = None) -> TaskOut:
    catch_up = body.catch_up if body else False
    return task_view(await svc.resume(task_id, catch_up=catch_up))


@router.post("/tasks/{task_id}/trigger", status_code=201, response_model=RunOut, tags=["tasks"])
async def trigger_task(task_id: str, svc: Service) -> RunOut:
    return run_view(await svc.trigger(task_id))


@router.get("/tasks/{task_id}/runs", response_model=RunList, tags=["runs"])
async def task_runs(
    task_id: str,
    svc: Service,
    status: RunStatusQ | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> RunList:
    async with svc.db.read() as conn:
        await task_store.get_task(conn, task_id)
        rows, next_cursor = await run_store.list_runs(
            conn, filters={"task_id": task_id, "status": status}, limit=limit, cursor=cursor
        )
    return RunList(items=[run_view(r) for r in rows], next_cursor=next_cursor)


@router.get("/tasks/{task_id}/result", response_model=ResultOut, tags=["tasks"])
async def task_result(task_id: str, svc: Service) -> ResultOut:
    _, latest, running = await svc.result(task_id)
    return result_view(latest, running)


@router.get("/runs", response_model=RunList, tags=["runs"])
async def list_runs(
    svc: Service,
    task_id: Annotated[str | None, Query(max_length=64)] = None,
    status: RunStatusQ | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> RunList:
    async with svc.db.read() as conn:
        rows, next_cursor = await run_store.list_runs(
            conn, filters={"task_id": task_id, "status": status}, limit=limit, cursor=cursor
        )
    return RunList(items=[run_view(r) for r in rows], next_cursor=next_cursor)


@router.get("/runs/{run_id}", response_model=RunOut, tags=["runs"])
async def get_run(run_id: str, svc: Service) -> RunOut:
    async with svc.db.read() as conn:
        return run_view(await run_store.get_run(conn, run_id))


@router.post("/runs/{run_id}/cancel", response_model=RunOut, tags=["runs"])
async def cancel_run(run_id: str, svc: Service) -> RunOut:
    return run_view(await svc.cancel_run(run_id))


@router.post("/timespec/parse", response_model=ScheduleOut, tags=["time"])
async def parse_when(body: ParseIn, svc: Service) -> ScheduleOut:
    now = body.now or svc.engine.clock.now()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    schedule = parse_schedule(
        body.when, timezone=body.timezone, now=now, repeat=_repeat_dict(body.repeat)
    )
    return ScheduleOut(
        kind=schedule.kind,
        description=schedule.description,
        timezone=schedule.timezone,
        next_runs=schedule.next_runs(body.count),
    )


@router.get("/config", tags=["system"])
async def get_config(request: Request, svc: Service) -> dict[str, object]:
    settings = request.app.state.settings
    return {
        "version": __version__,
        "timezone": svc.defaults.timezone,
        "default_executor": settings.default_executor,
        "executors": svc.engine.executors.names(),
        "run_timeout_seconds": svc.defaults.run_timeout_seconds,
        "schedule_timeout_seconds": svc.defaults.schedule_timeout_seconds,
        "max_concurrent_runs": svc.engine.max_concurrent_runs,
        "limits": {
            "max_batch": MAX_BATCH,
            "max_params_bytes": svc.defaults.max_params_bytes,
            "max_metadata_bytes": MAX_METADATA_BYTES,
            "max_body_bytes": MAX_BODY_BYTES,
        },
        "server_time": datetime.now(UTC).isoformat(),
    }


@router.get("/executors", response_model=ExecutorList, tags=["system"])
async def list_executors(request: Request, svc: Service) -> ExecutorList:
    """Every executor this server has, whether tasks may use it, and if not, how to enable it."""
    registry = svc.engine.executors
    try:
        resolved: str | None = registry.resolve(None)
    except InvalidTarget:
        resolved = None
    return ExecutorList(
        default_executor=request.app.state.settings.default_executor,
        resolved_default=resolved,
        items=[
            ExecutorOut(name=name, available=state.available, reason=state.reason)
            for name, state in registry.availability().items()
        ],
    )
