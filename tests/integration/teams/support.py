"""A node-like set-up for team runs on a real database: the engine, the ``team`` executor with
the ``process`` runtime over ``tests/agents``, and the task service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import sqlalchemy as sa

from runagent_pulse.common.clock import SystemClock
from runagent_pulse.domain.ids import new_id
from runagent_pulse.engine.engine import Engine
from runagent_pulse.executors.registry import ExecutorRegistry
from runagent_pulse.executors.team.executor import TeamExecutor
from runagent_pulse.executors.team.process_runtime import ProcessRuntime
from runagent_pulse.service.models import TaskCreate
from runagent_pulse.service.tasks import TaskService
from runagent_pulse.store import deployments as deployment_store
from runagent_pulse.store import teams as team_store
from runagent_pulse.store.database import Database
from runagent_pulse.store.migrate import upgrade
from runagent_pulse.store.tables import run_events, runs, tasks
from tests.integration.engine.harness import SERVICE_DEFAULTS
from tests.support.waiting import wait_until

AGENTS = Path(__file__).resolve().parents[2] / "agents"


def is_gone(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def agent(name: str, entrypoint: str, role: str = "member", module: str = "team_agents") -> dict:
    return {"name": name, "role": role, "module": module, "entrypoint": entrypoint}


class TeamNode:
    def __init__(self, url: str, node_id: str = "node-t", **executor_options: Any) -> None:
        self.url = url
        self.db = Database(url)
        self.clock = SystemClock()
        self.runtime = ProcessRuntime(agent_paths=[AGENTS])
        self.executor = TeamExecutor(
            self.db,
            runtimes={"process": self.runtime},
            clock=self.clock,
            node_id=node_id,
            **executor_options,
        )
        self.engine = Engine(
            self.db,
            ExecutorRegistry({"team": self.executor}),
            clock=self.clock,
            node_id=node_id,
            lease_duration=timedelta(seconds=30),
        )
        self.service = TaskService(self.engine, SERVICE_DEFAULTS)

    async def start(self) -> TeamNode:
        await upgrade(self.db)
        await self.engine.start()
        return self

    async def close(self) -> None:
        if self.engine.started:
            await self.engine.stop(grace=5)
        await self.executor.close()
        await self.db.dispose()

    async def add_team(self, name: str, agents: list[dict[str, Any]]) -> str:
        now = datetime.now(UTC)
        team_id = new_id("team")
        async with self.db.write() as conn:
            await team_store.insert_team(
                conn,
                {
                    "id": team_id,
                    "name": name,
                    "runtime": "process",
                    "agents": agents,
                    "created_at": now,
                    "updated_at": now,
                },
            )
        return team_id

    async def schedule(self, team: str, prompt: str, **fields: Any) -> str:
        fields.setdefault("retry", {"max_attempts": 1})
        task, _ = await self.service.create(
            TaskCreate(
                agent_id=team,
                entrypoint_tag="team",
                executor_type="team",
                params={"prompt": prompt},
                **fields,
            )
        )
        return task.task_id

    async def runs_of(self, task_id: str) -> list[dict[str, Any]]:
        async with self.db.read() as conn:
            result = await conn.execute(
                sa.select(runs).where(runs.c.task_id == task_id).order_by(runs.c.id)
            )
            return [dict(r._mapping) for r in result]

    async def task(self, task_id: str) -> dict[str, Any]:
        async with self.db.read() as conn:
            result = await conn.execute(sa.select(tasks).where(tasks.c.id == task_id))
            return dict(result.one()._mapping)

    async def finished_run(self, task_id: str) -> dict[str, Any]:
        """The task's single run once it has ended (and its outcome is committed)."""

        async def ended() -> bool:
            found = await self.runs_of(task_id)
            return bool(found) and found[0]["status"] not in ("scheduled", "running")

        await wait_until(ended, what=f"the run of {task_id} to end")
        await self.engine.writer.flushed()
        [run] = await self.runs_of(task_id)
        return run

    async def deployment(self, deployment_id: str) -> dict[str, Any]:
        async with self.db.read() as conn:
            return await deployment_store.get_deployment(conn, deployment_id)

    async def event_times(self, run_id: str) -> dict[str, datetime]:
        """When each kind of the run's events happened (the last of a kind)."""
        async with self.db.read() as conn:
            result = await conn.execute(
                sa.select(run_events.c.kind, run_events.c.at)
                .where(run_events.c.run_id == run_id)
                .order_by(run_events.c.seq)
            )
            return {kind: at for kind, at in result}

    async def conversation(self, deployment_id: str) -> list[tuple[str, str, Any]]:
        async with self.db.read() as conn:
            rows = await deployment_store.messages(conn, deployment_id)
        return [(r["sender"], r["recipient"], r["content"]) for r in rows]


def pids_of(deployment: dict[str, Any]) -> list[int]:
    return [a["pid"] for a in deployment["agents"] if a.get("pid")]
