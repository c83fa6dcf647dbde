"""Cross-node wake-ups on PostgreSQL (LISTEN/NOTIFY) and the database clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from runagent_pulse.common.clock import DatabaseClock, SystemClock
from runagent_pulse.engine.wakeups import WAKE_CHANNEL, CrossNodeWakeups
from runagent_pulse.store.database import Database
from runagent_pulse.store.migrate import upgrade
from tests.integration.engine.conftest import START
from tests.integration.engine.harness import Harness
from tests.support.waiting import wait_until

pytestmark = pytest.mark.postgres


@pytest.fixture
def db_url(postgres_url: str) -> str:
    """Only PostgreSQL has LISTEN/NOTIFY and a clock of its own."""
    return postgres_url


async def test_runs_made_due_notify_listeners_with_the_earliest_due_time(h: Harness) -> None:
    received: list[str] = []
    listener = await h.db.listen(WAKE_CHANNEL, received.append)
    try:
        await h.create(when="in 10 minutes")

        async def notified() -> bool:
            return bool(received)

        await wait_until(notified, bound=10, what="a NOTIFY for the new task's first run")
    finally:
        await listener.close()
    due = datetime.fromtimestamp(float(received[0]), UTC)
    assert due == START + timedelta(minutes=10)


class RecordingEngine:
    def __init__(self) -> None:
        self.woken_for: list[datetime] = []
        self.woken = 0

    def wake(self) -> None:
        self.woken += 1

    def wake_for(self, due_times: list[datetime]) -> None:
        self.woken_for += due_times


async def test_a_task_created_on_one_node_wakes_the_other_nodes(h: Harness) -> None:
    other = RecordingEngine()
    wakeups = CrossNodeWakeups(h.db, other)  # type: ignore[arg-type]
    await wakeups.start()
    try:
        await asyncio.wait_for(wakeups.connected.wait(), 10)
        await h.create(when="in 5 seconds")

        async def woken() -> bool:
            return bool(other.woken_for)

        await wait_until(woken, bound=10, what="the other node woken for the new run")
    finally:
        await wakeups.stop()
    assert other.woken_for == [START + timedelta(seconds=5)]
    assert other.woken == 1  # once on connecting: notifications may have been missed before


async def test_finishing_runs_sends_no_wake_ups(h: Harness) -> None:
    task_id = await h.create(executor_type="gate", params={"gate": "g"})
    await h.settle()
    received: list[str] = []
    listener = await h.db.listen(WAKE_CHANNEL, received.append)
    try:
        h.gate.gate("g").set()
        await h.settle()
        await h.create(when="in 1 hour")  # its NOTIFY comes after any the finish sent

        async def marker_seen() -> bool:
            return len(received) >= 1

        await wait_until(marker_seen, bound=10, what="the marker notification")
    finally:
        await listener.close()
    assert [r["status"] for r in await h.runs_of(task_id)] == ["success"]
    assert [float(payload) for payload in received] == [(START + timedelta(hours=1)).timestamp()]


class AheadClock(SystemClock):
    def now(self) -> datetime:
        return super().now() + timedelta(seconds=30)


async def test_the_database_clock_corrects_a_node_clock_that_runs_ahead(postgres_url: str) -> None:
    db = Database(postgres_url)
    try:
        await upgrade(db)
        clock = DatabaseClock(AheadClock(), db.server_time)
        await clock.sync()
        assert abs((clock.now() - await db.server_time()).total_seconds()) < 1.0
        assert timedelta(seconds=29) < -clock.offset < timedelta(seconds=31)
    finally:
        await db.dispose()
