"""The engine: claims due runs, executes them, records outcomes, heartbeats and recovers.

One instance per node (``pulse serve`` or ``pulse worker``). Nodes coordinate only through
the database: claims are atomic, leases say which node owns a running run, and a run whose
lease expired is recovered by any node.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from runagent_pulse import __version__
from runagent_pulse.common.background import cancel_and_wait
from runagent_pulse.common.clock import Clock, SystemClock
from runagent_pulse.domain.plans import ClaimPlan, Outcome
from runagent_pulse.domain.statuses import RunStatus
from runagent_pulse.engine.events import RunEventLog
from runagent_pulse.engine.planning import ScheduleCache, plan_claim
from runagent_pulse.engine.runner import CancelReason, execute_run
from runagent_pulse.engine.writer import AfterRecord, CompletionWriter
from runagent_pulse.executors.base import AGENT_STARTED, Executor
from runagent_pulse.executors.registry import ExecutorRegistry
from runagent_pulse.observability import tracing
from runagent_pulse.observability.metrics import Metrics
from runagent_pulse.store import claims
from runagent_pulse.store import nodes as node_store
from runagent_pulse.store.completions import CompletionResult
from runagent_pulse.store.database import Database
from runagent_pulse.store.sql import Row

log = logging.getLogger(__name__)

EVENT_FLUSH_SECONDS = 0.5
"""How soon the events of a still-running run are written (so they can be read live)."""

NODE_MEMORY = timedelta(days=7)
"""How long a stopped or dead node stays listed in the registry."""

SAFETY_CAP_SECONDS = 5.0
"""Longest the dispatcher sleeps without looking at the database (another node may add runs)."""


def default_node_id() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{secrets.token_hex(2)}"


def _log_unsuccessful(row: Row, outcome: Outcome) -> None:
    """One line per run that did not succeed: ids and the error type. Not the message: agents
    and remote services write anything there (a URL with its token, say); it is read with the
    run (``pulse runs show``, ``GET /v1/runs/{id}``)."""
    log.warning(
        "run %s of task %s (attempt %s, %s) %s: %s (the message: pulse runs show %s)",
        row["id"],
        row["task_id"],
        row["attempt"],
        row["executor"],
        outcome.status,
        outcome.error_type,
        row["id"],
        extra={
            "action": f"run_{outcome.status}",
            "run_id": row["id"],
            "task_id": row["task_id"],
            "attempt": row["attempt"],
            "executor": row["executor"],
            "error_type": outcome.error_type,
        },
    )


class Engine:
    def __init__(
        self,
        db: Database,
        executors: ExecutorRegistry,
        *,
        clock: Clock | None = None,
        node_id: str | None = None,
        role: str = "serve",
        max_concurrent_runs: int = 1000,
        lease_duration: timedelta = timedelta(seconds=30),
        claim_batch: int = 500,
        after_record: AfterRecord | None = None,
        after_commit: Callable[[CompletionResult], None] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.db = db
        self.executors = executors
        self.clock = clock or SystemClock()
        self.node_id = node_id or default_node_id()
        self.role = role
        self.max_concurrent_runs = max_concurrent_runs
        self.lease_duration = lease_duration
        self.claim_batch = claim_batch
        self._after_commit = after_commit
        self.metrics = metrics or Metrics()
        self.events = RunEventLog(self.clock, on_pending=self._flush_events_soon)
        self.writer = CompletionWriter(
            db,
            self.clock,
            on_written=self._on_written,
            after_record=after_record,
            pending_events=self.events.take_pending,
        )
        self._schedules = ScheduleCache()
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._active: dict[str, asyncio.Task[None]] = {}
        self._cancel_reasons: dict[str, str] = {}
        self._task_of: dict[str, str] = {}
        self._next_look: datetime | None = None
        """When the sleeping dispatcher will look at the database next (None: it is awake)."""
        self._loops: list[asyncio.Task[None]] = []
        self.started = False

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        await self.clock.sync()
        now = self.clock.now()
        async with self.db.write() as conn:
            await node_store.prune(conn, silent_since=now - NODE_MEMORY)
            await node_store.register(
                conn,
                {
                    "id": self.node_id,
                    "host": socket.gethostname()[:255],
                    "pid": os.getpid(),
                    "version": __version__,
                    "role": self.role,
                    "started_at": now,
                    "heartbeat_at": now,
                },
            )
        await self.recover_expired()
        self._loops = [
            asyncio.create_task(self._dispatch_loop(), name="pulse-dispatcher"),
            asyncio.create_task(self.writer.run(), name="pulse-writer"),
            asyncio.create_task(self._lease_loop(), name="pulse-leases"),
        ]
        self.started = True
        log.info("engine started", extra={"action": "engine_started", "node": self.node_id})

    async def stop(self, grace: float = 5.0) -> None:
        """Stop claiming; give running runs ``grace`` seconds, then interrupt them and release
        each for an immediate retry (on another node, or on this one when it starts again)."""
        self._stop.set()
        self._wake.set()
        dispatcher = self._loops[0] if self._loops else None
        if dispatcher is not None:
            # Let a claim in flight finish and start its runs (cancelling it mid-claim would
            # leave claimed runs unstarted until their lease expires); the loop then ends.
            await asyncio.wait([dispatcher], timeout=grace)
            await cancel_and_wait(dispatcher)
        if self._active:
            await asyncio.wait(list(self._active.values()), timeout=grace)
        for run_id, task in list(self._active.items()):
            self._cancel_reasons[run_id] = CancelReason.SHUTDOWN
            task.cancel()
        if self._active:
            await asyncio.wait(list(self._active.values()), timeout=grace)
        with contextlib.suppress(Exception):
            async with asyncio.timeout(grace):
                await self.writer.flushed()
        await cancel_and_wait(*self._loops[1:])
        with contextlib.suppress(Exception):
            async with self.db.write() as conn:
                await node_store.mark_stopped(conn, self.node_id, self.clock.now())
        self.started = False

    def wake(self) -> None:
        """Look at the database now (a task was created, changed, or a run became due)."""
        self._wake.set()

    def wake_for(self, due_times: Iterable[datetime | None]) -> None:
        """Wake the dispatcher if a new run is due before it would look anyway."""
        earliest = min((due for due in due_times if due is not None), default=None)
        if earliest is not None and (self._next_look is None or earliest < self._next_look):
            self._wake.set()

    @property
    def active_runs(self) -> int:
        return len(self._active)

    # -- dispatching -----------------------------------------------------------------------
    async def claim_once(self) -> int:
        """Claim and start what is due now, up to free capacity; return how many started."""
        capacity = min(self.max_concurrent_runs - len(self._active), self.claim_batch)
        if capacity <= 0 or self._stop.is_set():
            return 0
        now = self.clock.now()

        def planner(due: list[Row], running: set[str], buffered: set[str]) -> ClaimPlan:
            return plan_claim(
                due, now=now, running=running, buffered=buffered, schedules=self._schedules
            )

        async with self.db.write() as conn:
            started, plan = await claims.claim_due(
                conn,
                now=now,
                limit=capacity,
                owner=self.node_id,
                lease_until=now + self.lease_duration,
                planner=planner,
            )
        self._count_claim(started, plan)
        for row in started:
            self._launch(row)
        if plan.cancel_running_of:
            self._cancel_local_of_tasks(set(plan.cancel_running_of), exclude=set(plan.start))
        return len(started) + len(plan.skip) + len(plan.park) + len(plan.new_runs)

    def _count_claim(self, started: list[Row], plan: ClaimPlan) -> None:
        """Count a committed claim: starts with their due → committed lag, and skips."""
        committed = self.clock.now()
        for row in started:
            due = row.get("due_at") or row["scheduled_for"]
            self.metrics.run_started(row["executor_type"], (committed - due).total_seconds())
        for _, reason in plan.skip:
            self.metrics.run_skipped(reason)
        for new in plan.new_runs:
            if new.status == RunStatus.SKIPPED:
                self.metrics.run_skipped(new.skip_reason)

    async def _dispatch_loop(self) -> None:
        due_now = False  # the last sleep ran out at a run's due time: claim without looking
        while not self._stop.is_set():
            self._wake.clear()
            delay = SAFETY_CAP_SECONDS
            try:
                if len(self._active) < self.max_concurrent_runs:
                    if due_now and await self.claim_once():
                        await asyncio.sleep(0)
                        continue
                    # Look before claiming: most wake-ups (a task created for later, a run
                    # ended) find nothing due, and a read does not queue for the write lock.
                    async with self.db.read() as conn:
                        next_due = await claims.next_due_at(conn)
                    if next_due is not None:
                        delay = min(delay, (next_due - self.clock.now()).total_seconds())
                    if delay <= 0 and await self.claim_once():
                        due_now = True
                        await asyncio.sleep(0)
                        continue
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("dispatcher error; retrying in 1 s")
                delay = 1.0
            due_now = False
            if delay > 0:
                self._next_look = self.clock.now() + timedelta(seconds=delay)
                await self.clock.wait_until(self._wake, self._next_look)
                due_now = delay < SAFETY_CAP_SECONDS and not self._wake.is_set()
            self._next_look = None

    def _launch(self, row: Row) -> None:
        executor = self.executors.get(row["executor_type"])
        task = asyncio.create_task(self._run(row, executor), name=f"run-{row['id']}")
        self._active[row["id"]] = task
        self._task_of[row["id"]] = row["task_id"]

    async def _run(self, row: Row, executor: Executor) -> None:
        on_event = self.events.open(row["id"])
        attributes = {
            "pulse.task_id": row["task_id"],
            "pulse.run_id": row["id"],
            "pulse.attempt": row["attempt"],
            "pulse.executor": row["executor_type"],
        }
        try:
            with tracing.span("pulse.run", attributes) as span:
                outcome = await execute_run(
                    row, executor, self.clock, self._cancel_reasons, on_event
                )
                tracing.end_status(span, outcome.status, outcome.error_message)
            events = self.events.close(row["id"])
            self.writer.submit(replace(outcome, events=events) if events else outcome)
        finally:
            self.events.close(row["id"])
            was_full = len(self._active) >= self.max_concurrent_runs
            self._active.pop(row["id"], None)
            self._task_of.pop(row["id"], None)
            if was_full:  # a slot is free again: due runs may be waiting for it
                self._wake.set()

    def _flush_events_soon(self) -> None:
        asyncio.get_running_loop().call_later(EVENT_FLUSH_SECONDS, self.writer.poke)

    def _on_written(self, result: CompletionResult) -> None:
        for row, outcome in result.finished:
            started = row["started_at"]
            duration = (outcome.finished_at - started).total_seconds() if started else None
            self.metrics.run_finished(row["executor"], outcome.status, duration)
            if outcome.status != RunStatus.SUCCESS:
                _log_unsuccessful(row, outcome)
        self.metrics.retries.inc(result.retries)
        if result.retries or result.unparked:
            self._wake.set()
        if self._after_commit is not None:
            self._after_commit(result)

    # -- cancel ----------------------------------------------------------------------------
    def cancel_local(self, run_id: str, reason: str = CancelReason.USER) -> bool:
        """Stop a run executing on this node; its outcome is recorded as ``cancelled``."""
        task = self._active.get(run_id)
        if task is None:
            return False
        self._cancel_reasons.setdefault(run_id, reason)
        task.cancel()
        return True

    async def stop_run(self, run_id: str) -> bool:
        """Cancel a run executing here and wait until its outcome is committed."""
        task = self._active.get(run_id)
        if task is None or not self.cancel_local(run_id):
            return False
        await asyncio.wait([task], timeout=10)
        await self.writer.flushed()
        return True

    def _cancel_local_of_tasks(self, task_ids: set[str], exclude: set[str]) -> None:
        for run_id in list(self._active):
            if run_id not in exclude and self._task_of.get(run_id) in task_ids:
                self.cancel_local(run_id, CancelReason.OVERLAP)

    # -- leases ----------------------------------------------------------------------------
    async def _lease_loop(self) -> None:
        period = self.lease_duration.total_seconds() / 3
        wake = asyncio.Event()
        while True:
            await self.clock.wait(wake, period)
            wake.clear()
            try:
                await self.heartbeat()
                await self.recover_expired()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("heartbeat or recovery failed; retrying")

    async def _requeue_unstarted(self, expired: list[Row], now: datetime) -> set[str]:
        """Put back in the queue the expired runs whose agent never began (they waited for a
        worker when their node died): same attempt, due now. Returns their ids."""
        reporting = [n for n in self.executors.names() if self.executors.get(n).reports_start]
        if not expired or not reporting:
            return set()
        async with self.db.write() as conn:
            requeued = await claims.requeue_unstarted(
                conn, expired, reporting=reporting, started_kind=AGENT_STARTED, now=now
            )
        for run in requeued:
            log.warning(
                "run %s of task %s requeued: node %s stopped before its agent started "
                "(attempt %s kept)",
                run["id"],
                run["task_id"],
                run["lease_owner"],
                run["attempt"],
                extra={
                    "action": "run_requeued",
                    "run_id": run["id"],
                    "task_id": run["task_id"],
                    "node": run["lease_owner"],
                    "attempt": run["attempt"],
                },
            )
        if requeued:
            self._wake.set()
        return {run["id"] for run in requeued}

    async def heartbeat(self) -> None:
        """Extend this node's leases and record that it is alive."""
        await self.clock.sync()
        now = self.clock.now()
        async with self.db.write() as conn:
            to_cancel = await claims.heartbeat(
                conn, owner=self.node_id, lease_until=now + self.lease_duration
            )
            await node_store.heartbeat(conn, self.node_id, now)
        for run_id in to_cancel:
            self.cancel_local(run_id)

    async def recover_expired(self) -> int:
        """Fail (and retry per policy) runs whose node stopped heartbeating; return how many."""
        now = self.clock.now()
        async with self.db.read() as conn:
            expired = await claims.expired_leases(conn, now=now, limit=1000)
        expired = [row for row in expired if row["id"] not in self._active]
        requeued = await self._requeue_unstarted(expired, now)
        expired = [row for row in expired if row["id"] not in requeued]
        outcomes = [
            Outcome(
                row["id"],
                RunStatus.FAILED,
                now,
                error_type="LeaseExpired",
                error_message=(
                    f"node {row['lease_owner']} stopped while running this run "
                    f"(lease expired at {row['lease_expires_at'].isoformat()})"
                ),
                expected_owner=row["lease_owner"],
            )
            for row in expired
        ]
        if not outcomes:
            return 0
        finished = (await self.writer.write(outcomes)).finished  # others may be first
        self.metrics.lease_recoveries.inc(len(finished))
        for row, outcome in finished:
            log.warning(
                "run %s of task %s recovered: %s",
                row["id"],
                row["task_id"],
                outcome.error_message,
                extra={
                    "action": "lease_recovered",
                    "run_id": row["id"],
                    "task_id": row["task_id"],
                    "node": row["lease_owner"],
                    "attempt": row["attempt"],
                },
            )
        return len(finished)
