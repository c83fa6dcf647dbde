"""Team operations: define, list, change and delete teams; read a deployment."""

from __future__ import annotations

from typing import Any

from runagent_pulse.common.agent_targets import check_target
from runagent_pulse.common.clock import Clock
from runagent_pulse.common.netguard import check_url
from runagent_pulse.domain.errors import InvalidTarget
from runagent_pulse.domain.ids import new_id
from runagent_pulse.service.tasks import Defaults
from runagent_pulse.service.team_models import (
    AgentIn,
    DeploymentList,
    DeploymentOut,
    TeamCreate,
    TeamList,
    TeamOut,
    TeamPatch,
)
from runagent_pulse.service.views import deployment_view, team_view
from runagent_pulse.store import deployments as deployment_store
from runagent_pulse.store import teams as team_store
from runagent_pulse.store.database import Database


class TeamService:
    def __init__(self, db: Database, clock: Clock, defaults: Defaults) -> None:
        self.db = db
        self.clock = clock
        self.defaults = defaults

    def _check_agents(self, agents: list[AgentIn]) -> list[dict[str, Any]]:
        """Vet each agent as its executor will (module allow-list, SSRF guard); the stored form.

        Raises: InvalidTarget, UnsafeURL.
        """
        for agent in agents:
            if agent.url is not None:
                check_url(agent.url, allow_private=self.defaults.callback_allow_private)
                continue
            assert agent.module is not None and agent.entrypoint is not None
            try:
                check_target(
                    agent.module,
                    agent.entrypoint,
                    self.defaults.local_agent_path,
                    self.defaults.local_agent_allowlist,
                    follow_symlinks=self.defaults.local_agent_follow_symlinks,
                )
            except InvalidTarget as exc:
                exc.message = f"agent {agent.name}: {exc.message}"
                exc.details = {**exc.details, "agent": agent.name}
                raise
        return [agent.model_dump(exclude_none=True) for agent in agents]

    async def create(self, request: TeamCreate) -> TeamOut:
        """Raises: InvalidTarget, UnsafeURL, TeamExists."""
        agents = self._check_agents(request.agents)
        now = self.clock.now()
        row = {
            "id": new_id("team"),
            "name": request.name,
            "runtime": request.runtime,
            "agents": agents,
            "created_at": now,
            "updated_at": now,
        }
        async with self.db.write() as conn:
            await team_store.insert_team(conn, row)
        return team_view(row)

    async def list(self, *, limit: int = 50, cursor: str | None = None) -> TeamList:
        async with self.db.read() as conn:
            rows, next_cursor = await team_store.list_teams(conn, limit=limit, cursor=cursor)
        return TeamList(items=[team_view(r) for r in rows], next_cursor=next_cursor)

    async def get(self, team: str) -> TeamOut:
        """A team by id or name. Raises: TeamNotFound."""
        async with self.db.read() as conn:
            return team_view(await team_store.find_team(conn, team))

    async def patch(self, team: str, request: TeamPatch) -> TeamOut:
        """Rename a team or replace its agents; runs already deployed keep what they started
        with. Raises: TeamNotFound, TeamExists, InvalidTarget, UnsafeURL."""
        values: dict[str, Any] = {"updated_at": self.clock.now()}
        if request.name is not None:
            values["name"] = request.name
        if request.agents is not None:
            values["agents"] = self._check_agents(request.agents)
        async with self.db.write() as conn:
            return team_view(await team_store.update_team(conn, team, values))

    async def delete(self, team: str) -> TeamOut:
        """Delete a team no active or paused task runs (its past deployments stay readable).

        Raises: TeamNotFound, TeamInUse.
        """
        async with self.db.write() as conn:
            return team_view(await team_store.delete_team(conn, team))

    async def deployment(self, deployment_id: str) -> DeploymentOut:
        """Raises: DeploymentNotFound."""
        async with self.db.read() as conn:
            return deployment_view(await deployment_store.get_deployment(conn, deployment_id))

    async def deployments(
        self, team: str, *, limit: int = 50, cursor: str | None = None
    ) -> DeploymentList:
        """The team's deployments (one per team run), newest first.

        Raises: TeamNotFound.
        """
        async with self.db.read() as conn:
            found = await team_store.find_team(conn, team)
            rows, next_cursor = await deployment_store.list_for_team(
                conn, found["id"], limit=limit, cursor=cursor
            )
        return DeploymentList(items=[deployment_view(r) for r in rows], next_cursor=next_cursor)
