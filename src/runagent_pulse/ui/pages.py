"""The dashboard's pages: server-rendered from the application layer, never HTTP to itself.

Reading works without JavaScript; ``static/pulse.js`` only adds relative times and refreshes a
running run's page. Every state-changing form is a POST with the CSRF token, answered with a
redirect (303) back to the page it came from.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError as PydanticValidationError

from runagent_pulse.domain.errors import NotFoundError, PulseError
from runagent_pulse.service import Services
from runagent_pulse.service.models import ParseIn, TaskFilter
from runagent_pulse.timespec import TimespecError
from runagent_pulse.ui.forms import ZONES, task_from_form
from runagent_pulse.ui.session import COOKIE, Sessions

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
PAGE = 25
TASK_STATUSES = ("active", "paused", "completed", "cancelled")
RUN_STATUSES = ("scheduled", "running", "success", "failed", "timeout", "cancelled", "skipped")

Text = Annotated[str, Form(max_length=500)]


def ui_router(services: Services, sessions: Sessions) -> APIRouter:
    router = APIRouter(prefix="/ui", include_in_schema=False)

    def render(request: Request, name: str, code: int = 200, **context: Any) -> Response:
        if not sessions.logged_in(request):
            return RedirectResponse("/ui/login", status_code=303)
        context.update(csrf=sessions.csrf_token(), key_required=not sessions.open)
        return TEMPLATES.TemplateResponse(request, name, context, status_code=code)

    async def act(
        request: Request, csrf: str, back: str, action: Callable[[], Awaitable[Any]]
    ) -> Response:
        if not sessions.logged_in(request):
            return RedirectResponse("/ui/login", status_code=303)
        if not sessions.csrf_ok(csrf):
            return HTMLResponse("Refused: the form's CSRF token is missing or wrong.", 403)
        try:
            await action()
        except PulseError as exc:
            return render(request, "error.html", 409, message=exc.message, back=back)
        return RedirectResponse(back, status_code=303)

    @router.get("")
    async def home() -> Response:
        return RedirectResponse("/ui/schedules", status_code=303)

    @router.get("/login")
    async def login_form(request: Request) -> Response:
        return TEMPLATES.TemplateResponse(request, "login.html", {"failed": False})

    @router.post("/login")
    async def login(request: Request, key: Annotated[str, Form(max_length=500)]) -> Response:
        if not sessions.key_matches(key):
            return TEMPLATES.TemplateResponse(request, "login.html", {"failed": True}, 401)
        response = RedirectResponse("/ui/schedules", status_code=303)
        response.set_cookie(
            COOKIE, sessions.cookie_value(), httponly=True, samesite="strict", path="/ui"
        )
        return response

    @router.post("/logout")
    async def logout() -> Response:
        response = RedirectResponse("/ui/login", status_code=303)
        response.delete_cookie(COOKIE, path="/ui")
        return response

    @router.get("/schedules")
    async def schedules(
        request: Request,
        status: str | None = None,
        executor_type: str | None = None,
        agent_id: str | None = None,
        cursor: str | None = None,
    ) -> Response:
        filters = TaskFilter(
            status=status if status in TASK_STATUSES else None,  # type: ignore[arg-type]
            executor_type=executor_type or None,
            agent_id=agent_id or None,
        )
        page = await services.tasks.list(filters, limit=PAGE, cursor=cursor)
        return render(request, "schedules.html", page=page, filters=filters, statuses=TASK_STATUSES)

    @router.get("/schedules/new")
    async def new_schedule(request: Request) -> Response:
        return render(request, "schedule_form.html", form={}, error=None, **_form_context())

    @router.get("/preview")
    async def preview(
        request: Request,
        when: Annotated[str, Query(max_length=200)] = "",
        timezone: Annotated[str, Query(max_length=64)] = "UTC",
    ) -> Response:
        """How ``when`` reads and its next 5 fires (the form's live preview), as JSON."""
        if not sessions.logged_in(request):
            return JSONResponse({"error": "log in first"}, status_code=401)
        try:
            schedule = services.tasks.preview(ParseIn(when=when or "now", timezone=timezone))
        except (TimespecError, PydanticValidationError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=422)
        return JSONResponse(schedule.model_dump(mode="json"))

    @router.post("/schedules")
    async def create_schedule(request: Request) -> Response:
        if not sessions.logged_in(request):
            return RedirectResponse("/ui/login", status_code=303)
        form = {key: str(value) for key, value in (await request.form()).items()}
        if not sessions.csrf_ok(form.pop("csrf", "")):
            return HTMLResponse("Refused: the form's CSRF token is missing or wrong.", 403)
        try:
            task, _ = await services.tasks.create(task_from_form(form))
        except (PulseError, TimespecError, PydanticValidationError, ValueError) as exc:
            message = exc.message if isinstance(exc, PulseError) else str(exc)
            return render(
                request, "schedule_form.html", 422, form=form, error=message, **_form_context()
            )
        return RedirectResponse(f"/ui/schedules/{task.task_id}", status_code=303)

    def _form_context() -> dict[str, Any]:
        config = services.system.config()
        return {
            "executors": [e.name for e in services.system.executors().items if e.available],
            "zones": ZONES,
            "team_timeout": config.schedule_timeout_seconds,
            "default_zone": config.timezone,
        }

    @router.get("/schedules/{task_id}")
    async def schedule(request: Request, task_id: str) -> Response:
        try:
            task = await services.tasks.get(task_id)
        except NotFoundError as exc:
            return render(request, "error.html", 404, message=exc.message, back="/ui/schedules")
        history = await services.runs.list(task_id=task_id, limit=PAGE)
        return render(request, "schedule.html", task=task, runs=history)

    @router.post("/schedules/{task_id}/pause")
    async def pause(request: Request, task_id: str, csrf: Text, note: Text = "") -> Response:
        back = f"/ui/schedules/{task_id}"
        return await act(
            request, csrf, back, lambda: services.tasks.pause(task_id, note=note or None)
        )

    @router.post("/schedules/{task_id}/resume")
    async def resume(
        request: Request, task_id: str, csrf: Text, catch_up: Annotated[bool, Form()] = False
    ) -> Response:
        back = f"/ui/schedules/{task_id}"
        return await act(
            request, csrf, back, lambda: services.tasks.resume(task_id, catch_up=catch_up)
        )

    @router.post("/schedules/{task_id}/trigger")
    async def trigger(request: Request, task_id: str, csrf: Text) -> Response:
        back = f"/ui/schedules/{task_id}"
        return await act(request, csrf, back, lambda: services.tasks.trigger(task_id))

    @router.post("/schedules/{task_id}/cancel")
    async def cancel(request: Request, task_id: str, csrf: Text) -> Response:
        back = f"/ui/schedules/{task_id}"
        return await act(request, csrf, back, lambda: services.tasks.cancel(task_id))

    @router.get("/runs")
    async def runs(
        request: Request,
        status: str | None = None,
        task_id: str | None = None,
        cursor: str | None = None,
    ) -> Response:
        chosen = status if status in RUN_STATUSES else None
        page = await services.runs.list(
            task_id=task_id or None,
            status=chosen,  # type: ignore[arg-type]
            limit=PAGE,
            cursor=cursor,
        )
        return render(
            request, "runs.html", page=page, status=chosen, task_id=task_id, statuses=RUN_STATUSES
        )

    @router.get("/runs/{run_id}")
    async def run(request: Request, run_id: str) -> Response:
        try:
            found = await services.runs.get(run_id)
        except NotFoundError as exc:
            return render(request, "error.html", 404, message=exc.message, back="/ui/runs")
        deployment = (
            await services.teams.deployment(found.deployment_id) if found.deployment_id else None
        )
        return render(
            request,
            "run.html",
            run=found,
            events=(await services.runs.events(run_id)).items,
            deliveries=(await services.runs.deliveries(run_id)).items,
            conversation=await services.runs.conversation(run_id),
            deployment=deployment,
        )

    @router.post("/runs/{run_id}/cancel")
    async def cancel_run(request: Request, run_id: str, csrf: Text) -> Response:
        return await act(request, csrf, f"/ui/runs/{run_id}", lambda: services.runs.cancel(run_id))

    @router.post("/runs/{run_id}/redeliver")
    async def redeliver(request: Request, run_id: str, csrf: Text) -> Response:
        return await act(
            request, csrf, f"/ui/runs/{run_id}", lambda: services.runs.redeliver(run_id)
        )

    @router.get("/system")
    async def system(request: Request) -> Response:
        return render(
            request,
            "system.html",
            config=services.system.config(),
            executors=services.system.executors(),
            nodes=await services.system.nodes(),
        )

    return router
