"""Two nodes on one PostgreSQL database: concurrent completions, lease recovery racing a
success, and a node whose clock runs 30 s ahead."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from runagent_pulse.common.clock import DatabaseClock, SystemClock
from runagent_pulse.domain.plans import Outcome
from runagent_pulse.domain.statuses import RunStatus
from runagent_pulse.engine.engine import Engine
from runagent_pulse.engine.writer import CompletionWriter
from runagent_pulse.executors.base import ExecutionContext, Executor
from runagent_pulse.executors.registry import ExecutorRegistry
from runagent_pulse.store.completions import CompletionResult
from runagent_pulse.store.database import Database
from tests.integration.engine.harness import Harness
from tests.support.waiting import wait_until

pytestmark = pytest.mark.postgres


@pytest.fixture
def db_url(postgres_url: str) -> str:
    """Only PostgreSQL lets two nodes write at the same time."""
    return postgres_url


class HeldWriter:
    """A second node's completion writer whose transaction can be held open (after it has
    recorded its outcomes, before it commits), to interleave it with another writer."""

    def __init__(self, h: Harness) -> None:
        self.db = Database(h.url)
        self.inside = asyncio.Event()
        self.release = asyncio.Event()
        self.writer = CompletionWriter(
            self.db, h.clock, on_written=lambda _: None, after_record=self._hold
        )

    async def _hold(self, conn: AsyncConnection, result: CompletionResult, now: datetime) -> None:
        self.inside.set()
        await self.release.wait()


@pytest.fixture
async def held(h: Harness) -> AsyncIterator[HeldWriter]:
    writer = HeldWriter(h)
    yield writer
    writer.release.set()
    await writer.db.dispose()


async def someone_waits_for_a_lock(h: Harness) -> bool:
    async with h.db.read() as conn:
        waiting = await conn.scalar(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    return bool(waiting)


async def race(h: Harness, held: HeldWriter, first: Outcome, second: Outcome) -> None:
    """``held`` records ``first`` and holds its transaction open; meanwhile a second writer
    records ``second`` and blocks on a lock ``held`` has; then ``held`` commits."""
    other_db = Database(h.url)
    other = CompletionWriter(other_db, h.clock, on_written=lambda _: None)
    try:
        holding = asyncio.create_task(held.writer.write([first]))
        await asyncio.wait_for(held.inside.wait(), 10)
        racing = asyncio.create_task(other.write([second]))
        await wait_until(lambda: someone_waits_for_a_lock(h), 10, "the second writer blocks")
        held.release.set()
        await asyncio.wait_for(asyncio.gather(holding, racing), 10)
    finally:
        await other_db.dispose()


async def test_a_one_off_whose_last_runs_end_on_two_nodes_at_once_completes(
    h: Harness, held: HeldWriter
) -> None:
    # Two runs of one task running at once, the last fire materialised (no fire left).
    task_id = await h.create(
        when="now", repeat={"interval": "1s", "times": 2}, executor_type="gate"
    )
    await h.advance(1)
    first, second = await h.runs_of(task_id)
    assert (first["status"], second["status"]) == ("running", "running")
    assert (await h.task(task_id))["next_run_at"] is None

    now = h.clock.now()
    await race(
        h,
        held,
        Outcome(first["id"], RunStatus.SUCCESS, now),
        Outcome(second["id"], RunStatus.SUCCESS, now),
    )
    task = await h.task(task_id)
    assert (task["status"], task["runs_succeeded"]) == ("completed", 2)


async def test_lease_recovery_racing_a_success_does_not_retry_the_run(
    h: Harness, held: HeldWriter
) -> None:
    task_id = await h.create(when="now", executor_type="gate", retry={"max_attempts": 3})
    await h.settle()
    (run,) = await h.runs_of(task_id)
    now = h.clock.now()
    success = Outcome(run["id"], RunStatus.SUCCESS, now, result={"ok": True})
    recovery = Outcome(
        run["id"],
        RunStatus.FAILED,
        now,
        error_type="LeaseExpired",
        error_message="lease expired",
        expected_owner=h.node_id,
    )
    await race(h, held, success, recovery)
    assert [(r["attempt"], r["status"]) for r in await h.runs_of(task_id)] == [(1, "success")]


# -- a node whose clock runs 30 s ahead -----------------------------------------------------------
class AheadClock(SystemClock):
    """This process's clock, 30 s fast (the skewed node's machine)."""

    def now(self) -> datetime:
        return super().now() + timedelta(seconds=30)


class StartTimes(Executor):
    """Records when (by the test's own, correct clock) each run started; holds it until the
    test opens the gate."""

    name: ClassVar[str] = "gate"

    def __init__(self) -> None:
        self.started: dict[str, datetime] = {}
        self.gate = asyncio.Event()

    async def execute(self, ctx: ExecutionContext) -> Any:
        self.started[ctx.run_id] = datetime.now(UTC)
        await self.gate.wait()
        return None


@pytest.fixture
async def ahead(h: Harness) -> AsyncIterator[tuple[Engine, StartTimes]]:
    """A second node, 30 s ahead, taking "now" from the database (as ``Node`` does)."""
    db = Database(h.url)
    starts = StartTimes()
    engine = Engine(
        db,
        ExecutorRegistry({"gate": starts}),
        clock=DatabaseClock(AheadClock(), db.server_time),
        node_id="ahead",
    )
    await engine.start()
    h.clock.set(await h.db.server_time())  # the harness node: the database's time, frozen
    yield engine, starts
    starts.gate.set()
    await engine.stop(grace=2)
    await db.dispose()


async def test_a_node_30_s_ahead_does_not_fire_early(
    h: Harness, ahead: tuple[Engine, StartTimes]
) -> None:
    engine, starts = ahead
    # Due 2 s from now by the database's clock: 28 s in the past by the node's own clock.
    due = await h.db.server_time() + timedelta(seconds=2)
    task_id = await h.create(when=due.isoformat(), executor_type="gate")
    assert await engine.claim_once() == 0, "claimed a run not due yet by the database"

    async def started() -> bool:
        return bool(starts.started)

    await wait_until(started, 30, "the run started")
    (run,) = await h.runs_of(task_id)
    assert run["node"] == "ahead"
    assert starts.started[run["id"]] >= due


async def test_a_node_30_s_ahead_does_not_steal_live_leases(
    h: Harness, ahead: tuple[Engine, StartTimes]
) -> None:
    engine, _ = ahead
    task_id = await h.create(when="now", executor_type="gate")
    await h.settle()
    (run,) = await h.runs_of(task_id)
    assert (run["status"], run["lease_owner"]) == ("running", h.node_id)
    assert run["lease_expires_at"] < AheadClock().now(), "by its own clock the lease is over"

    assert await engine.recover_expired() == 0
    (run,) = await h.runs_of(task_id)
    assert (run["status"], run["lease_owner"]) == ("running", h.node_id)


async def test_a_pause_that_deadlocks_with_another_nodes_claim_is_retried(h: Harness) -> None:
    """Another node's claim holds the task's run and then wants the task, while a pause holds
    the task and wants the run. PostgreSQL aborts one of them; the API runs the pause again
    instead of answering 500."""
    task_id = await h.create(when="in 1 hour", executor_type="echo")
    other = Database(h.url)
    try:
        async with other.engine.connect() as claim:
            # The pause's side detects the deadlock first (default deadlock_timeout is 1 s).
            await claim.execute(sa.text("SET deadlock_timeout = '10s'"))
            await claim.execute(
                sa.text("SELECT id FROM runs WHERE task_id = :t FOR UPDATE"), {"t": task_id}
            )
            pausing = asyncio.create_task(h.service.pause(task_id))
            await wait_until(lambda: someone_waits_for_a_lock(h), 10, "the pause waits")
            await claim.execute(
                sa.text("UPDATE tasks SET updated_at = updated_at WHERE id = :t"), {"t": task_id}
            )
            await claim.commit()
        task = await asyncio.wait_for(pausing, 10)
    finally:
        await other.dispose()
    assert task.status == "paused"
    (run,) = await h.runs_of(task_id)
    assert run["due_at"] is None, "the paused task's run is parked"
