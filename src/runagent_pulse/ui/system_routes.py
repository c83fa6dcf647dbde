"""Teams (their definition and recent runs), and the deployment's health: nodes and executors."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from runagent_pulse.ui.task_routes import Cursor, Limit
from runagent_pulse.ui.web import PREFIX, Page, PageDep, router

routes = router()


@routes.get("/teams")
async def team_list(page: PageDep, limit: Limit = 50, cursor: Cursor = None) -> Response:
    listing = await page.services.teams.list(limit=limit, cursor=cursor)
    return page.render(
        "teams.html",
        section="teams",
        teams=listing.items,
        limit=limit,
        cursor=cursor,
        next_cursor=listing.next_cursor,
    )


@routes.get("/teams/{team}")
async def team_page(page: PageDep, team: str, cursor: Cursor = None) -> Response:
    found = await page.services.teams.get(team)
    deployments = await page.services.teams.deployments(found.team_id, limit=25, cursor=cursor)
    return page.render(
        "team.html",
        section="teams",
        team=found,
        deployments=deployments.items,
        cursor=cursor,
        next_cursor=deployments.next_cursor,
    )


async def _health(page: Page) -> dict[str, Any]:
    services = page.services
    return {
        "nodes": await services.system.nodes(),
        "executors": services.system.executors(),
        "config": services.system.config(),
        "live_src": f"{PREFIX}/live/nodes",
    }


@routes.get("/nodes")
async def nodes_page(page: PageDep) -> Response:
    return page.render("nodes.html", section="nodes", **await _health(page))


@routes.get("/live/nodes")
async def nodes_live(page: PageDep) -> Response:
    return page.fragment("_nodes.html", **await _health(page))
