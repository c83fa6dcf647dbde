"""Request and response bodies of the teams, deployments and conversation routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from runagent_pulse.service.models import Strict

MAX_AGENTS = 20
RESERVED_AGENT_NAMES = frozenset({"pulse"})
"""``pulse`` is the sender of the prompt in every conversation."""

TeamName = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$",
        description="letters, digits, '-' and '_' (deployments are named <team>-run-<run id>)",
    ),
]
AgentName = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")]


class AgentIn(Strict):
    """An agent: ``module`` + ``entrypoint`` (under LOCAL_AGENT_PATH), or ``url`` (HTTP)."""

    name: AgentName
    role: Literal["leader", "member"]
    module: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    entrypoint: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    url: Annotated[str, Field(min_length=1, max_length=2048)] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> AgentIn:
        local = self.module is not None or self.entrypoint is not None
        if self.url is not None and local:
            raise ValueError(f"agent {self.name}: give either url, or module and entrypoint")
        if self.url is None and (self.module is None or self.entrypoint is None):
            raise ValueError(
                f"agent {self.name}: needs module and entrypoint (a Python agent under "
                "LOCAL_AGENT_PATH) or url (an agent served over HTTP)"
            )
        if self.name.lower() in RESERVED_AGENT_NAMES:
            raise ValueError(f"agent name {self.name!r} is reserved")
        return self


Agents = Annotated[list[AgentIn], Field(min_length=1, max_length=MAX_AGENTS)]


def check_agents(agents: list[AgentIn]) -> None:
    """Raises ValueError: not exactly one leader, or a name used twice."""
    leaders = [a.name for a in agents if a.role == "leader"]
    if len(leaders) != 1:
        raise ValueError(
            f"a team has exactly one leader (role 'leader'); found {len(leaders)}"
            + (f": {', '.join(leaders)}" if leaders else "")
        )
    seen: set[str] = set()
    for agent in agents:
        if agent.name in seen:
            raise ValueError(f"agent names must be unique; {agent.name!r} is used twice")
        seen.add(agent.name)


class TeamCreate(Strict):
    name: TeamName
    runtime: Literal["process"] = "process"
    agents: Agents

    @model_validator(mode="after")
    def _team(self) -> TeamCreate:
        check_agents(self.agents)
        return self


class TeamPatch(Strict):
    name: TeamName | None = None
    agents: Agents | None = None

    @model_validator(mode="after")
    def _team(self) -> TeamPatch:
        if self.agents is not None:
            check_agents(self.agents)
        return self


class AgentOut(BaseModel):
    name: str
    role: str
    module: str | None = None
    entrypoint: str | None = None
    url: str | None = None


class TeamOut(BaseModel):
    team_id: str
    name: str
    runtime: str
    agents: list[AgentOut]
    created_at: datetime
    updated_at: datetime


class TeamList(BaseModel):
    items: list[TeamOut]
    next_cursor: str | None


class DeployedAgentOut(BaseModel):
    name: str
    role: str
    address: str
    pid: int | None
    started: float | None = Field(description="the process's start time (its identity)")


class DeploymentOut(BaseModel):
    deployment_id: str
    name: str
    run_id: str
    task_id: str
    team_id: str
    team_name: str
    runtime: str
    status: Literal["deploying", "running", "stopping", "stopped", "failed"]
    agents: list[DeployedAgentOut]
    node: str
    error: str | None
    created_at: datetime
    updated_at: datetime
    stopped_at: datetime | None


class DeploymentList(BaseModel):
    items: list[DeploymentOut]
    next_cursor: str | None


class MessageOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    seq: int
    sender: str = Field(serialization_alias="from")
    recipient: str = Field(serialization_alias="to")
    content: Any
    at: datetime


class ConversationOut(BaseModel):
    run_id: str
    deployment_id: str | None
    deployment_status: str | None
    messages: list[MessageOut]
