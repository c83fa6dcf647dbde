"""An engine on a real database with a manual clock, driven step by step by the tests."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any, ClassVar

import sqlalchemy as sa

from runagent_pulse.common.clock import ManualClock
from runagent_pulse.delivery.outbox import Deliverer
from runagent_pulse.engine.engine import Engine
from runagent_pulse.executors.base import ExecutionContext, Executor
from runagent_pulse.executors.echo import EchoExecutor
from runagent_pulse.executors.registry import ExecutorRegistry
from runagent_pulse.service import Defaults, RunService, TaskService
from runagent_pulse.service.models import TaskCreate
from runagent_pulse.store.database import Database
from runagent_pulse.store.migrate import upgrade
from runagent_pulse.store.tables import runs, tasks

SERVICE_DEFAULTS = Defaults(
    timezone="UTC",
    run_timeout_seconds=600.0,
    schedule_timeout_seconds=3600.0,
    max_params_bytes=65536,
    callback_allow_private=True,
)
"""The task service's defaults in engine-level tests."""


class GateExecutor(Executor):
    """Blocks each run until the test opens its gate (``params["gate"]`` names it)."""

    name: ClassVar[str] = "gate"

    def __init__(self) -> None:
        self.gates: dict[str, asyncio.Event] = {}
        self.started: list[str] = []

    def gate(self, name: str) -> asyncio.Event:
        return self.gates.setdefault(name, asyncio.Event())

    async def execute(self, ctx: ExecutionContext) -> Any:
        self.started.append(ctx.run_id)
        await self.gate(ctx.params.get("gate", "default")).wait()
        return {"gate": ctx.params.get("gate", "default")}


class EmitExecutor(GateExecutor):
    """Emits ``params["events"]`` events (``step`` with ``i``, padded with ``params["pad"]``
    characters), then waits like a gate run."""

    name: ClassVar[str] = "emit"

    async def execute(self, ctx: ExecutionContext) -> Any:
        for i in range(ctx.params.get("events", 0)):
            padding = {"pad": "x" * ctx.params["pad"]} if "pad" in ctx.params else {}
            ctx.event("step", i=i, **padding)
        return await super().execute(ctx)


class Harness:
    def __init__(self, url: str, start: datetime, node_id: str = "node-a") -> None:
        self.url = url
        self.clock = ManualClock(start)
        self.db = Database(url)
        self.gate = GateExecutor()
        self.emit = EmitExecutor()
        self.emit.gates = self.gate.gates  # one set of gates: close() opens them all
        self.registry = ExecutorRegistry(
            {"echo": EchoExecutor(), "gate": self.gate, "emit": self.emit}
        )
        self.node_id = node_id
        self.engine = self._new_engine()
        self.service = self._new_service()

    def _new_engine(self) -> Engine:
        return Engine(
            self.db,
            self.registry,
            clock=self.clock,
            node_id=self.node_id,
            lease_duration=timedelta(seconds=30),
        )

    def _new_service(self) -> TaskService:
        self.runs = RunService(
            self.engine,
            Deliverer(
                self.db, clock=self.clock, retry_schedule=[], timeout=5.0, allow_private=True
            ),
        )
        return TaskService(self.engine, SERVICE_DEFAULTS)

    async def start(self) -> None:
        await upgrade(self.db)
        await self.engine.start()

    async def restart(self) -> None:
        """A new engine on the same database (the old one stopped: a downtime)."""
        self.engine = self._new_engine()
        self.service = self._new_service()
        await self.engine.start()

    async def close(self) -> None:
        for event in self.gate.gates.values():
            event.set()
        if self.engine.started:
            await self.engine.stop(grace=2)
        await self.db.dispose()

    async def create(self, **fields: Any) -> str:
        fields.setdefault("agent_id", "agent")
        fields.setdefault("entrypoint_tag", "run")
        fields.setdefault("executor_type", "echo")
        task, _ = await self.service.create(TaskCreate(**fields))
        return task.task_id

    async def advance(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))
        await self.settle()

    async def settle(self, bound: float = 10.0) -> None:
        """Wait (at most ``bound`` real seconds) until nothing due is left unclaimed, nothing
        runs except gated runs, and every outcome is committed."""
        async with asyncio.timeout(bound):
            while True:
                await asyncio.sleep(0.005)
                async with self.db.read() as conn:
                    due = await conn.scalar(
                        sa.select(sa.func.count()).where(
                            runs.c.status == "scheduled", runs.c.due_at <= self.clock.now()
                        )
                    )
                blocked = sum(1 for e in self.gate.gates.values() if not e.is_set())
                if due == 0 and (self.engine.active_runs == 0 or blocked):
                    await self.engine.writer.flushed()
                    return

    async def runs_of(self, task_id: str) -> list[dict[str, Any]]:
        async with self.db.read() as conn:
            result = await conn.execute(
                sa.select(runs)
                .where(runs.c.task_id == task_id)
                .order_by(runs.c.scheduled_for, runs.c.attempt)
            )
            return [dict(r._mapping) for r in result]

    async def task(self, task_id: str) -> dict[str, Any]:
        async with self.db.read() as conn:
            result = await conn.execute(sa.select(tasks).where(tasks.c.id == task_id))
            return dict(result.one()._mapping)
