"""``/v1/tasks``: create, list, read, change, pause, resume, trigger and cancel tasks."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Response

from runagent_pulse.api.deps import Cursor, Limit, Svc, v1_router
from runagent_pulse.service.models import (
    BatchCreate,
    BatchOut,
    PauseIn,
    ResultOut,
    ResumeIn,
    RunList,
    RunOut,
    RunStatusName,
    TaskCreate,
    TaskFilter,
    TaskList,
    TaskOut,
    TaskPatch,
    TaskStatusName,
)

router = v1_router(tags=["tasks"])


@router.post("/tasks", status_code=201, response_model=TaskOut)
async def create_task(body: TaskCreate, svc: Svc) -> Response:
    task, new = await svc.tasks.create(body)
    # Already a TaskOut: serialised as is, not validated again as a response model would be.
    return Response(task.model_dump_json(), 201 if new else 200, media_type="application/json")


@router.post("/tasks/batch", status_code=201, response_model=BatchOut)
async def create_batch(body: BatchCreate, svc: Svc) -> Response:
    batch = await svc.tasks.create_batch(body.tasks)
    return Response(batch.model_dump_json(), 201, media_type="application/json")


@router.get("/tasks", response_model=TaskList)
async def list_tasks(
    svc: Svc,
    status: TaskStatusName | None = None,
    activity: Literal["idle", "running", "error"] | None = None,
    agent_id: Annotated[str | None, Query(max_length=200)] = None,
    executor_type: Annotated[str | None, Query(max_length=40)] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="text in name or agent_id, or the id")
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> TaskList:
    filters = TaskFilter(
        status=status, activity=activity, agent_id=agent_id, executor_type=executor_type, q=q
    )
    return await svc.tasks.list(filters, limit=limit, cursor=cursor)


@router.get("/tasks/{task_id}", response_model=TaskOut)
async def get_task(task_id: str, svc: Svc) -> TaskOut:
    return await svc.tasks.get(task_id)


@router.patch("/tasks/{task_id}", response_model=TaskOut)
async def patch_task(task_id: str, body: TaskPatch, svc: Svc) -> TaskOut:
    return await svc.tasks.patch(task_id, body)


@router.delete("/tasks/{task_id}", response_model=TaskOut)
async def cancel_task(task_id: str, svc: Svc) -> TaskOut:
    return await svc.tasks.cancel(task_id)


@router.post("/tasks/{task_id}/pause", response_model=TaskOut)
async def pause_task(task_id: str, svc: Svc, body: PauseIn | None = None) -> TaskOut:
    return await svc.tasks.pause(task_id, note=body.note if body else None)


@router.post("/tasks/{task_id}/resume", response_model=TaskOut)
async def resume_task(task_id: str, svc: Svc, body: ResumeIn | None = None) -> TaskOut:
    return await svc.tasks.resume(task_id, catch_up=body.catch_up if body else False)


@router.post("/tasks/{task_id}/trigger", status_code=201, response_model=RunOut)
async def trigger_task(task_id: str, svc: Svc) -> RunOut:
    return await svc.tasks.trigger(task_id)


@router.get("/tasks/{task_id}/runs", response_model=RunList, tags=["runs"])
async def task_runs(
    task_id: str,
    svc: Svc,
    status: RunStatusName | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> RunList:
    return await svc.runs.list(task_id=task_id, status=status, limit=limit, cursor=cursor)


@router.get("/tasks/{task_id}/result", response_model=ResultOut)
async def task_result(task_id: str, svc: Svc) -> ResultOut:
    return await svc.tasks.result(task_id)
