"""Runs: the history across tasks (filtered, paginated, live), one run with its result, events,
deliveries and, for a team run, the conversation and the deployment's lifecycle; cancel and
redeliver."""

from __future__ import annotations

from typing import Annotated, Any, get_args

from fastapi import Query, Response

from runagent_pulse.domain.errors import NotFoundError
from runagent_pulse.domain.statuses import FINISHED_RUN_STATUSES
from runagent_pulse.service.models import RunStatusName
from runagent_pulse.ui.formatting import link
from runagent_pulse.ui.task_routes import Cursor, Limit, Text
from runagent_pulse.ui.web import PREFIX, Page, PageDep, router

routes = router()
RUN_STATUSES = get_args(RunStatusName)
ENDED_DEPLOYMENTS = ("stopped", "failed")
TaskId = Annotated[str, Query(max_length=64)]


async def _runs(
    page: Page, *, status: str, task: str, limit: int, cursor: str | None
) -> dict[str, Any]:
    problem = None
    if status and status not in RUN_STATUSES:
        problem, status = f"unknown status {status!r}", ""
    items, next_cursor = [], None
    try:
        listing = await page.services.runs.list(
            task_id=task or None,
            status=status or None,  # type: ignore[arg-type]
            limit=limit,
            cursor=cursor,
        )
        items, next_cursor = listing.items, listing.next_cursor
    except NotFoundError as exc:
        problem = exc.message
    return {
        "runs": items,
        "filters": {"status": status, "task": task},
        "statuses": RUN_STATUSES,
        "problem": problem,
        "limit": limit,
        "cursor": cursor,
        "next_cursor": next_cursor,
        "live_src": link(f"{PREFIX}/live/runs", status=status, task=task, limit=limit)
        if cursor is None
        else None,
    }


@routes.get("/runs")
async def run_list(
    page: PageDep, status: Text = "", task: TaskId = "", limit: Limit = 50, cursor: Cursor = None
) -> Response:
    context = await _runs(page, status=status, task=task, limit=limit, cursor=cursor)
    return page.render("runs.html", section="runs", **context)


@routes.get("/live/runs")
async def run_rows(
    page: PageDep, status: Text = "", task: TaskId = "", limit: Limit = 50
) -> Response:
    context = await _runs(page, status=status, task=task, limit=limit, cursor=None)
    return page.fragment("_run_rows.html", **context)


async def _run(page: Page, run_id: str) -> dict[str, Any]:
    services = page.services
    run = await services.runs.get(run_id)
    task = await services.tasks.get(run.task_id)
    conversation = deployment = None
    if run.deployment_id is not None:
        conversation = await services.runs.conversation(run_id)
        deployment = await services.teams.deployment(run.deployment_id)
    ended = run.status in FINISHED_RUN_STATUSES
    return {
        "run": run,
        "task": task,
        "ended": ended,
        "events": (await services.runs.events(run_id, limit=500)).items,
        "deliveries": (await services.runs.deliveries(run_id)).items,
        "conversation": conversation,
        "deployment": deployment,
        "final": ended and (deployment is None or deployment.status in ENDED_DEPLOYMENTS),
        "live_src": f"{PREFIX}/live/runs/{run_id}",
    }


@routes.get("/runs/{run_id}")
async def run_page(page: PageDep, run_id: str) -> Response:
    return page.render("run.html", section="runs", **await _run(page, run_id))


@routes.get("/live/runs/{run_id}")
async def run_live(page: PageDep, run_id: str) -> Response:
    return page.fragment("_run_live.html", **await _run(page, run_id))


@routes.post("/runs/{run_id}/cancel")
async def cancel(page: PageDep, run_id: str) -> Response:
    fields = await page.form()
    return await page.act(lambda: page.services.runs.cancel(run_id), "Cancel requested.", fields)


@routes.post("/runs/{run_id}/redeliver")
async def redeliver(page: PageDep, run_id: str) -> Response:
    fields = await page.form()
    return await page.act(
        lambda: page.services.runs.redeliver(run_id), "A new delivery was queued.", fields
    )
