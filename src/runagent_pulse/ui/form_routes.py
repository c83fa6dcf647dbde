"""Creating and editing a task through the form, and the JSON preview its script asks for."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response

from runagent_pulse.domain.errors import PulseError
from runagent_pulse.service.models import TaskOut
from runagent_pulse.timespec import TimespecError
from runagent_pulse.ui.task_form import (
    FormErrors,
    blank_values,
    create_request,
    error_of,
    patch_request,
    preview,
    submitted,
    timezones,
    values_of,
)
from runagent_pulse.ui.web import PREFIX, Page, PageDep, router

routes = router()
EXPIRED = "This form expired (the server restarted or your session changed); submit it again."


def _form(
    page: Page,
    values: dict[str, str],
    *,
    task: TaskOut | None = None,
    errors: dict[str, str] | None = None,
    shown_preview: dict[str, Any] | None = None,
) -> Response:
    config = page.services.system.config()
    executors = page.services.system.executors()
    default = f"server default ({executors.resolved_default or 'none available'})"
    options = [("", default)] + [(e.name, e.name) for e in executors.items if e.available]
    return page.render(
        "task_form.html",
        status=422 if errors else 200,
        section="new" if task is None else "tasks",
        task=task,
        values=values,
        errors=errors or {},
        preview=shown_preview or preview(page.services, values, page.now),
        config=config,
        executor_options=options,
        timezones=timezones(),
    )


@routes.get("/tasks/new")
async def new_task(
    page: PageDep,
    executor: Annotated[str, Query(max_length=40)] = "",
    agent: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    timezone = page.services.system.config().timezone
    return _form(page, blank_values(timezone, executor_type=executor, agent_id=agent))


@routes.post("/tasks/new")
async def create_task(page: PageDep) -> Response:
    fields = await page.form(check=False)
    values = {**blank_values(""), **submitted(fields)}
    if fields.get("action") == "preview":
        return _form(page, values)
    if not page.csrf_ok(fields):
        return _form(page, values, errors={"form": EXPIRED})
    try:
        task, _ = await page.services.tasks.create(create_request(fields))
    except FormErrors as exc:
        return _form(page, values, errors=exc.errors)
    except (PulseError, TimespecError) as exc:
        return _form(page, values, errors=error_of(exc))
    return page.redirect(f"{PREFIX}/tasks/{task.task_id}", "Created.")


@routes.get("/tasks/{task_id}/edit")
async def edit_task(page: PageDep, task_id: str) -> Response:
    task = await page.services.tasks.get(task_id)
    return _form(page, values_of(task), task=task)


@routes.post("/tasks/{task_id}/edit")
async def save_task(page: PageDep, task_id: str) -> Response:
    task = await page.services.tasks.get(task_id)
    fields = await page.form(check=False)
    values = {**values_of(task), **submitted(fields)}
    if fields.get("action") == "preview":
        return _form(page, values, task=task)
    if not page.csrf_ok(fields):
        return _form(page, values, task=task, errors={"form": EXPIRED})
    try:
        await page.services.tasks.patch(task_id, patch_request(fields, task))
    except FormErrors as exc:
        return _form(page, values, task=task, errors=exc.errors)
    except (PulseError, TimespecError) as exc:
        return _form(page, values, task=task, errors=error_of(exc))
    return page.redirect(f"{PREFIX}/tasks/{task_id}", "Saved.")


@routes.get("/preview")
async def preview_json(
    page: PageDep,
    when: Annotated[str, Query(max_length=200)] = "now",
    timezone: Annotated[str, Query(max_length=64)] = "",
    repeat_interval: Annotated[str, Query(max_length=50)] = "",
    repeat_times: Annotated[str, Query(max_length=20)] = "",
    repeat_until: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    fields = {
        "when": when,
        "timezone": timezone,
        "repeat_interval": repeat_interval,
        "repeat_times": repeat_times,
        "repeat_until": repeat_until,
    }
    return page.json(preview(page.services, fields, page.now))
