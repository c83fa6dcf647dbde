"""Schedules: the task list (filtered, paginated, live), one task with its runs, and the task
buttons (pause, resume, trigger, cancel)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response
from pydantic import ValidationError

from runagent_pulse.service.models import TaskFilter
from runagent_pulse.ui.formatting import link
from runagent_pulse.ui.web import PREFIX, Page, PageDep, router

routes = router()

Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=64)]
Text = Annotated[str, Query(max_length=200)]


async def _tasks(
    page: Page, *, status: str, executor: str, agent: str, q: str, limit: int, cursor: str | None
) -> dict[str, Any]:
    """What the list and its live fragment show."""
    shown = {"status": status, "executor": executor, "agent": agent, "q": q}
    problem = None
    try:
        filters = TaskFilter(
            status=status or None,  # type: ignore[arg-type]
            executor_type=executor or None,
            agent_id=agent or None,
            q=q or None,
        )
    except ValidationError as exc:
        problem = "; ".join(str(e["msg"]) for e in exc.errors())
        filters = TaskFilter()
    listing = await page.services.tasks.list(filters, limit=limit, cursor=cursor)
    outcomes = await page.services.runs.latest_ended([t.task_id for t in listing.items])
    return {
        "tasks": listing.items,
        "outcomes": outcomes,
        "filters": shown,
        "problem": problem,
        "limit": limit,
        "cursor": cursor,
        "next_cursor": listing.next_cursor,
        "back": link(f"{PREFIX}/tasks", **shown, limit=limit, cursor=cursor),
        "live_src": link(f"{PREFIX}/live/tasks", **shown, limit=limit, cursor=cursor),
    }


@routes.get("/tasks")
async def task_list(
    page: PageDep,
    status: Text = "",
    executor: Text = "",
    agent: Text = "",
    q: Text = "",
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    context = await _tasks(
        page, status=status, executor=executor, agent=agent, q=q, limit=limit, cursor=cursor
    )
    executors = page.services.system.config().executors
    teams = await page.services.teams.list(limit=200)
    return page.render(
        "tasks.html",
        section="tasks",
        executors=executors,
        agents=[team.name for team in teams.items],
        **context,
    )


@routes.get("/live/tasks")
async def task_rows(
    page: PageDep,
    status: Text = "",
    executor: Text = "",
    agent: Text = "",
    q: Text = "",
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    context = await _tasks(
        page, status=status, executor=executor, agent=agent, q=q, limit=limit, cursor=cursor
    )
    return page.fragment("_task_rows.html", **context)


async def _task(page: Page, task_id: str, cursor: str | None) -> dict[str, Any]:
    task = await page.services.tasks.get(task_id)
    runs = await page.services.runs.list(task_id=task_id, limit=25, cursor=cursor)
    return {
        "task": task,
        "runs": runs.items,
        "cursor": cursor,
        "next_cursor": runs.next_cursor,
        "live_src": link(f"{PREFIX}/live/tasks/{task_id}", cursor=cursor),
    }


@routes.get("/tasks/{task_id}")
async def task_page(page: PageDep, task_id: str, cursor: Cursor = None) -> Response:
    context = await _task(page, task_id, cursor)
    return page.render("task.html", section="tasks", **context)


@routes.get("/live/tasks/{task_id}")
async def task_live(page: PageDep, task_id: str, cursor: Cursor = None) -> Response:
    context = await _task(page, task_id, cursor)
    return page.fragment("_task_live.html", **context)


@routes.post("/tasks/{task_id}/pause")
async def pause(page: PageDep, task_id: str) -> Response:
    fields = await page.form()
    note = fields.get("note", "").strip()[:500] or None
    return await page.act(lambda: page.services.tasks.pause(task_id, note=note), "Paused.", fields)


@routes.post("/tasks/{task_id}/resume")
async def resume(page: PageDep, task_id: str) -> Response:
    fields = await page.form()
    catch_up = fields.get("catch_up") == "1"
    done = "Resumed; missed fires run now." if catch_up else "Resumed."
    return await page.act(
        lambda: page.services.tasks.resume(task_id, catch_up=catch_up), done, fields
    )


@routes.post("/tasks/{task_id}/trigger")
async def trigger(page: PageDep, task_id: str) -> Response:
    fields = await page.form()
    return await page.act(
        lambda: page.services.tasks.trigger(task_id), "A run was added, due now.", fields
    )


@routes.post("/tasks/{task_id}/cancel")
async def cancel(page: PageDep, task_id: str) -> Response:
    fields = await page.form()
    return await page.act(lambda: page.services.tasks.cancel(task_id), "Cancelled.", fields)
