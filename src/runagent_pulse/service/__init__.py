"""The application layer: every operation on tasks, runs, teams and the deployment, with its
rules, in one place. REST routes, the dashboard, the MCP server and the CLI's local commands call
these services; none of them touches the store directly."""

from __future__ import annotations

from dataclasses import dataclass

from runagent_pulse.delivery.outbox import Deliverer
from runagent_pulse.engine.engine import Engine
from runagent_pulse.service.runs import RunService
from runagent_pulse.service.system import SystemService
from runagent_pulse.service.tasks import Defaults, TaskService
from runagent_pulse.service.teams import TeamService

__all__ = ["Defaults", "RunService", "Services", "SystemService", "TaskService", "TeamService"]


@dataclass(frozen=True, slots=True)
class Services:
    tasks: TaskService
    runs: RunService
    teams: TeamService
    system: SystemService

    @classmethod
    def build(cls, engine: Engine, deliverer: Deliverer, defaults: Defaults) -> Services:
        return cls(
            tasks=TaskService(engine, defaults),
            runs=RunService(engine, deliverer),
            teams=TeamService(engine.db, engine.clock, defaults),
            system=SystemService(engine, defaults),
        )
