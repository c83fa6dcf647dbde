"""``/v1/teams``, ``/v1/deployments/{id}`` and ``/v1/runs/{id}/conversation``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from runagent_pulse.api.auth import bearer
from runagent_pulse.api.team_schemas import (
    AgentIn,
    ConversationOut,
    DeploymentOut,
    MessageOut,
    TeamCreate,
    TeamList,
    TeamOut,
    TeamPatch,
)
from runagent_pulse.common.agent_targets import check_target
from runagent_pulse.common.netguard import check_url
from runagent_pulse.config import Settings
from runagent_pulse.domain.errors import InvalidTarget
from runagent_pulse.domain.ids import new_id
from runagent_pulse.node import Node
from runagent_pulse.store import deployments as deployment_store
from runagent_pulse.store import runs as run_store
from runagent_pulse.store import teams as team_store
from runagent_pulse.store.sql import Row

router = APIRouter(prefix="/v1", dependencies=[Depends(bearer)])

NOT_FOUND = {404: {"description": "team_not_found"}}


def _node(request: Request) -> Node:
    return request.app.state.node  # type: ignore[no-any-return]


def _check_agents(agents: list[AgentIn], settings: Settings) -> list[dict[str, Any]]:
    """Vet each agent as its executor will (module allow-list, SSRF guard); the stored form.

    Raises: InvalidTarget, UnsafeURL.
    """
    for agent in agents:
        if agent.url is not None:
            check_url(agent.url, allow_private=settings.callback_allow_private)
            continue
        assert agent.module is not None and agent.entrypoint is not None
        try:
            check_target(
                agent.module,
                agent.entrypoint,
                settings.local_agent_path,
                settings.local_agent_allowlist,
            )
        except InvalidTarget as exc:
            exc.message = f"agent {agent.name}: {exc.message}"
            exc.details = {**exc.details, "agent": agent.name}
            raise
    return [agent.model_dump(exclude_none=True) for agent in agents]


def team_view(row: Row) -> TeamOut:
    return TeamOut(
        team_id=row["id"],
        name=row["name"],
        runtime=row["runtime"],
        agents=row["agents"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def deployment_view(row: Row) -> DeploymentOut:
    return DeploymentOut(
        deployment_id=row["id"],
        name=row["name"],
        run_id=row["run_id"],
        task_id=row["task_id"],
        team_id=row["team_id"],
        team_name=row["team_name"],
        runtime=row["runtime"],
        status=row["status"],
        agents=row["agents"],
        node=row["node"],
        error=row["error"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        stopped_at=row["stopped_at"],
    )


@router.post("/teams", status_code=201, response_model=TeamOut, tags=["teams"])
async def create_team(body: TeamCreate, request: Request) -> TeamOut:
    node = _node(request)
    agents = _check_agents(body.agents, node.settings)
    now = node.engine.clock.now()
    row = {
        "id": new_id("team"),
        "name": body.name,
        "runtime": body.runtime,
        "agents": agents,
        "created_at": now,
        "updated_at": now,
    }
    async with node.db.write() as conn:
        await team_store.insert_team(conn, row)
    return team_view(row)


@router.get("/teams", response_model=TeamList, tags=["teams"])
async def list_teams(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> TeamList:
    async with _node(request).db.read() as conn:
        rows, next_cursor = await team_store.list_teams(conn, limit=limit, cursor=cursor)
    return TeamList(items=[team_view(r) for r in rows], next_cursor=next_cursor)


@router.get("/teams/{team}", response_model=TeamOut, tags=["teams"], responses=NOT_FOUND)
async def get_team(team: str, request: Request) -> TeamOut:
    """A team by id or name."""
    async with _node(request).db.read() as conn:
        return team_view(await team_store.find_team(conn, team))


@router.patch("/teams/{team}", response_model=TeamOut, tags=["teams"], responses=NOT_FOUND)
async def patch_team(team: str, body: TeamPatch, request: Request) -> TeamOut:
    """Rename a team or replace its agents; runs already deployed keep what they started with."""
    node = _node(request)
    values: dict[str, Any] = {"updated_at": node.engine.clock.now()}
    if body.name is not None:
        values["name"] = body.name
    if body.agents is not None:
        values["agents"] = _check_agents(body.agents, node.settings)
    async with node.db.write() as conn:
        return team_view(await team_store.update_team(conn, team, values))


@router.delete(
    "/teams/{team}",
    response_model=TeamOut,
    tags=["teams"],
    responses={**NOT_FOUND, 409: {"description": "team_in_use"}},
)
async def delete_team(team: str, request: Request) -> TeamOut:
    """Delete a team that no active or paused task runs (its past deployments stay readable)."""
    async with _node(request).db.write() as conn:
        return team_view(await team_store.delete_team(conn, team))


@router.get(
    "/deployments/{deployment_id}",
    response_model=DeploymentOut,
    tags=["teams"],
    responses={404: {"description": "deployment_not_found"}},
)
async def get_deployment(deployment_id: str, request: Request) -> DeploymentOut:
    async with _node(request).db.read() as conn:
        return deployment_view(await deployment_store.get_deployment(conn, deployment_id))


@router.get(
    "/runs/{run_id}/conversation",
    response_model=ConversationOut,
    response_model_by_alias=True,
    tags=["runs"],
    responses={404: {"description": "run_not_found"}},
)
async def run_conversation(run_id: str, request: Request) -> ConversationOut:
    """What the agents of a team run said, in order (empty for runs of other executors)."""
    async with _node(request).db.read() as conn:
        run = await run_store.get_run(conn, run_id)
        deployment_id = run["deployment_id"]
        if deployment_id is None:
            return ConversationOut(
                run_id=run_id, deployment_id=None, deployment_status=None, messages=[]
            )
        deployment = await deployment_store.get_deployment(conn, deployment_id)
        messages = await deployment_store.messages(conn, deployment_id)
    return ConversationOut(
        run_id=run_id,
        deployment_id=deployment_id,
        deployment_status=deployment["status"],
        messages=[MessageOut(**m) for m in messages],
    )
