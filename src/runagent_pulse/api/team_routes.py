"""``/v1/teams`` and ``/v1/deployments/{id}``."""

from __future__ import annotations

from runagent_pulse.api.deps import Cursor, Limit, Svc, error_response, v1_router
from runagent_pulse.service.team_models import (
    DeploymentOut,
    TeamCreate,
    TeamList,
    TeamOut,
    TeamPatch,
)

router = v1_router(tags=["teams"])
NOT_FOUND = {404: error_response("team_not_found")}


@router.post("/teams", status_code=201, response_model=TeamOut)
async def create_team(body: TeamCreate, svc: Svc) -> TeamOut:
    return await svc.teams.create(body)


@router.get("/teams", response_model=TeamList)
async def list_teams(svc: Svc, limit: Limit = 50, cursor: Cursor = None) -> TeamList:
    return await svc.teams.list(limit=limit, cursor=cursor)


@router.get("/teams/{team}", response_model=TeamOut, responses=NOT_FOUND)
async def get_team(team: str, svc: Svc) -> TeamOut:
    """A team by id or name."""
    return await svc.teams.get(team)


@router.patch("/teams/{team}", response_model=TeamOut, responses=NOT_FOUND)
async def patch_team(team: str, body: TeamPatch, svc: Svc) -> TeamOut:
    """Rename a team or replace its agents; runs already deployed keep what they started with."""
    return await svc.teams.patch(team, body)


@router.delete(
    "/teams/{team}",
    response_model=TeamOut,
    responses={**NOT_FOUND, 409: error_response("team_in_use")},
)
async def delete_team(team: str, svc: Svc) -> TeamOut:
    """Delete a team that no active or paused task runs (its past deployments stay readable)."""
    return await svc.teams.delete(team)


@router.get(
    "/deployments/{deployment_id}",
    response_model=DeploymentOut,
    responses={404: error_response("deployment_not_found")},
)
async def get_deployment(deployment_id: str, svc: Svc) -> DeploymentOut:
    return await svc.teams.deployment(deployment_id)
