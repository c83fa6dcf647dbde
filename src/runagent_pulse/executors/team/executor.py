"""``TeamExecutor``: one team run, from deployment to teardown.

1. the engine has created the run and set the task's ``activity`` to ``running``;
2. a deployment ``<team>-run-<run id>`` is recorded as ``deploying`` before anything starts,
   and each agent's pid and start time as soon as it exists;
3. the agents start once one of :data:`STARTING_AT_ONCE` start slots is free, then the
   readiness wait (bounded by ``ready_timeout`` and the run's deadline) → ``running``;
4. the prompt goes to the leader; its ``team.ask`` calls come back here, are stored in the
   conversation as they happen, and are forwarded;
5. the leader's answer is the run's result; its exception fails the run;
6. the engine records ``success`` / ``failed`` / ``timeout`` (a timeout cancels this coroutine);
7. **always** a teardown (also after a failed deploy, readiness wait or prompt, and on cancel):
   a teardown that cannot verify every agent gone fails the run (``TeardownFailed``) and leaves
   the deployment ``stopping`` for the reaper;
8. the engine sets ``activity`` back to ``idle``, or ``error`` after a failure or timeout.

Every step is also a run event (``ctx.event``).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import time
from collections.abc import Coroutine, Mapping
from typing import Any, ClassVar

from runagent_pulse.common.clock import Clock
from runagent_pulse.domain.errors import ExecutionError, TeamNotFound
from runagent_pulse.domain.ids import new_id
from runagent_pulse.domain.statuses import DeploymentStatus
from runagent_pulse.executors.base import ExecutionContext, Executor
from runagent_pulse.executors.team.runtime import (
    AgentInfo,
    AgentSpec,
    DeployRequest,
    Runtime,
    RuntimeDeployment,
    TeardownError,
)
from runagent_pulse.observability.metrics import Metrics
from runagent_pulse.store import deployments as deployment_store
from runagent_pulse.store import teams as team_store
from runagent_pulse.store.database import Database

log = logging.getLogger(__name__)

COUNTED_DEPLOYMENT_STATUSES = frozenset(
    {DeploymentStatus.RUNNING, DeploymentStatus.STOPPED, DeploymentStatus.FAILED}
)
PULSE = "pulse"
"""The sender of the prompt and the recipient of the leader's answer in a conversation."""
STARTING_AT_ONCE = 2 * (os.cpu_count() or 1)
"""Deployments whose agents start at the same time; the others wait for a slot (their run's
deadline still counts, the readiness bound only once they start). Starting an agent is a Python
process importing its module: 256 team runs starting together on 2 cores (768 processes) took so
long that 26 of them failed before their agents were ready."""


class TeamExecutor(Executor):
    """Runs ``team`` tasks: ``agent_id`` names a team, ``params["prompt"]`` is the prompt."""

    name: ClassVar[str] = "team"

    def __init__(
        self,
        db: Database,
        *,
        runtimes: Mapping[str, Runtime],
        clock: Clock,
        node_id: str,
        ready_timeout: float = 60.0,
        stop_grace: float = 1.0,
        metrics: Metrics | None = None,
        starting_at_once: int = STARTING_AT_ONCE,
    ) -> None:
        self.db = db
        self.runtimes = dict(runtimes)
        self.clock = clock
        self.node_id = node_id
        self.ready_timeout = ready_timeout
        self.stop_grace = stop_grace
        self.metrics = metrics or Metrics()
        self.start_slots = asyncio.Semaphore(starting_at_once)

    async def close(self) -> None:
        for runtime in self.runtimes.values():
            for deployment in runtime.list():  # runs the engine could not end in time
                try:
                    await runtime.stop(deployment, self.stop_grace)
                except TeardownError:
                    log.exception("teardown at shutdown failed")
            await runtime.close()

    async def execute(self, ctx: ExecutionContext) -> Any:
        prompt = ctx.params.get("prompt")
        if not isinstance(prompt, str):
            raise ExecutionError(
                "InvalidParams", 'a team run needs params {"prompt": "<text>"}', retryable=False
            )
        try:
            async with self.db.read() as conn:
                team = await team_store.find_team(conn, ctx.agent_id)
        except TeamNotFound as exc:
            raise ExecutionError("TeamNotFound", exc.message, retryable=False) from None
        runtime = self.runtimes.get(team["runtime"])
        if runtime is None:
            raise ExecutionError(
                "UnknownRuntime", f"runtime {team['runtime']!r} is not available", retryable=False
            )
        request = DeployRequest(
            deployment_id=new_id("dep"),
            name=f"{team['name']}-run-{ctx.run_id}",
            team=team["name"],
            run_id=ctx.run_id,
            agents=[AgentSpec.from_dict(agent) for agent in team["agents"]],
        )
        return await _TeamRun(self, ctx, runtime, request, team["id"]).run(prompt)


class _TeamRun:
    """The state of one team run (its deployment, its conversation counter)."""

    def __init__(
        self,
        executor: TeamExecutor,
        ctx: ExecutionContext,
        runtime: Runtime,
        request: DeployRequest,
        team_id: str,
    ) -> None:
        self.executor = executor
        self.ctx = ctx
        self.runtime = runtime
        self.request = request
        self.team_id = team_id
        self.leader = next(a.name for a in request.agents if a.role == "leader")
        self.names = {a.name for a in request.agents}
        self.agents: dict[str, dict[str, Any]] = {}
        self.handle: RuntimeDeployment | None = None
        self.ready = False
        self.seq = itertools.count(1)

    async def run(self, prompt: str) -> Any:
        await self._insert()
        outcome: BaseException | None = None
        try:
            return await self._deploy_and_prompt(prompt)
        except BaseException as exc:
            outcome = exc
            raise
        finally:
            problem, cancelled = await _finish(self._teardown(outcome))
            if cancelled and outcome is None:
                raise asyncio.CancelledError
            if problem is not None and not isinstance(outcome, asyncio.CancelledError):
                if isinstance(outcome, ExecutionError):
                    outcome.message = f"{outcome.message}; also: {problem}"
                else:
                    raise ExecutionError("TeardownFailed", problem)

    async def _deploy_and_prompt(self, prompt: str) -> Any:
        request, ctx = self.request, self.ctx
        async with self.executor.start_slots:
            self.handle = await self.runtime.deploy(
                request, on_spawned=self._spawned, on_ask=self._ask
            )
            ctx.event(
                "team_deploying", deployment_id=request.deployment_id, agents=len(self.agents)
            )
            bound = min(self.executor.ready_timeout, max(ctx.deadline - time.monotonic(), 0.0))
            await self.runtime.wait_ready(self.handle, bound)
            ctx.event("team_ready", deployment_id=request.deployment_id)
        self.ready = True
        await self._update(status=DeploymentStatus.RUNNING)
        await self._message(PULSE, self.leader, prompt)
        ctx.event("prompt_sent", leader=self.leader, chars=len(prompt))
        try:
            answer = await self.runtime.send(self.handle, self.leader, "prompt", PULSE, prompt)
        except ExecutionError as exc:
            await self._message(self.leader, PULSE, _error_content(exc))
            ctx.event("leader_failed", error_type=exc.error_type)
            raise
        await self._message(self.leader, PULSE, answer)
        ctx.event("answer_received", leader=self.leader)
        return answer

    async def _ask(self, sender: str, recipient: str, content: Any) -> Any:
        if recipient not in self.names or recipient == sender:
            others = ", ".join(sorted(self.names - {sender}))
            raise ExecutionError(
                "UnknownAgent", f"{sender} asked {recipient!r}: not a team member ({others})"
            )
        assert self.handle is not None
        await self._message(sender, recipient, content)
        try:
            answer = await self.runtime.send(self.handle, recipient, "message", sender, content)
        except ExecutionError as exc:
            await self._message(recipient, sender, _error_content(exc))
            raise
        await self._message(recipient, sender, answer)
        return answer

    # -- teardown ------------------------------------------------------------------------------
    async def _teardown(self, outcome: BaseException | None) -> str | None:
        """Stop every agent; return a problem (the deployment stays ``stopping``) or None."""
        request = self.request
        await self._best_effort(status=DeploymentStatus.STOPPING)
        self.ctx.event("teardown_started", deployment_id=request.deployment_id)
        handle = self.handle or next(
            (d for d in self.runtime.list() if d.request.deployment_id == request.deployment_id),
            None,
        )
        try:
            if handle is not None:
                await self.runtime.stop(handle, self.executor.stop_grace)
        except TeardownError as exc:
            log.error(
                "team teardown failed",
                extra={"action": "teardown_failed", "deployment": request.deployment_id},
            )
            self.executor.metrics.teardown_failures.inc()
            self.ctx.event("teardown_failed", error=str(exc))
            await self._best_effort(error=str(exc))
            return str(exc)
        failed = outcome is not None and not self.ready
        await self._best_effort(
            status=DeploymentStatus.FAILED if failed else DeploymentStatus.STOPPED,
            error=_describe(outcome),
        )
        self.ctx.event("team_stopped", deployment_id=request.deployment_id)
        return None

    # -- recording -----------------------------------------------------------------------------
    async def _insert(self) -> None:
        now = self.executor.clock.now()
        async with self.executor.db.write() as conn:
            await deployment_store.insert_deployment(
                conn,
                {
                    "id": self.request.deployment_id,
                    "name": self.request.name,
                    "run_id": self.ctx.run_id,
                    "task_id": self.ctx.task_id,
                    "team_id": self.team_id,
                    "team_name": self.request.team,
                    "runtime": self.runtime.name,
                    "status": DeploymentStatus.DEPLOYING,
                    "agents": [],
                    "node": self.executor.node_id,
                    "error": None,
                    "created_at": now,
                    "updated_at": now,
                    "stopped_at": None,
                },
            )
        self.ctx.event(
            "deployment_created",
            deployment_id=self.request.deployment_id,
            name=self.request.name,
        )

    async def _spawned(self, info: AgentInfo) -> None:
        self.agents[info.name] = info.to_dict()
        await self._update(agents=list(self.agents.values()))
        self.ctx.event("agent_started", agent=info.name, address=info.address)

    async def _update(self, **values: Any) -> None:
        async with self.executor.db.write() as conn:
            await deployment_store.update_deployment(
                conn, self.request.deployment_id, now=self.executor.clock.now(), **values
            )
        if values.get("status") in COUNTED_DEPLOYMENT_STATUSES:
            self.executor.metrics.deployments.labels(values["status"]).inc()

    async def _best_effort(self, **values: Any) -> None:
        """Record during teardown: a database error is logged, never stops the teardown."""
        try:
            await self._update(**values)
        except Exception:
            log.exception(
                "recording a deployment change failed",
                extra={"action": "deployment_update_failed"},
            )

    async def _message(self, sender: str, recipient: str, content: Any) -> None:
        seq = next(self.seq)
        async with self.executor.db.write() as conn:
            await deployment_store.add_message(
                conn,
                self.request.deployment_id,
                seq=seq,
                sender=sender,
                recipient=recipient,
                content=content,
                at=self.executor.clock.now(),
            )


async def _finish(teardown: Coroutine[Any, Any, str | None]) -> tuple[str | None, bool]:
    """Run the teardown to its end even if this task is cancelled meanwhile; return its result
    and whether a cancel arrived (the caller re-raises it)."""
    task = asyncio.ensure_future(teardown)
    cancelled = False
    while True:
        try:
            return await asyncio.shield(task), cancelled
        except asyncio.CancelledError:
            cancelled = True
            if task.done():
                return task.result(), cancelled


def _error_content(exc: ExecutionError) -> dict[str, Any]:
    return {"error": {"type": exc.error_type, "message": exc.message}}


def _describe(outcome: BaseException | None) -> str | None:
    if outcome is None:
        return None
    if isinstance(outcome, ExecutionError):
        return f"{outcome.error_type}: {outcome.message}"
    if isinstance(outcome, asyncio.CancelledError):
        return "the run was stopped (timeout, cancel or shutdown)"
    return f"{type(outcome).__name__}: {outcome}"
