"""The engine on real SQLite and PostgreSQL, with time moved by a manual clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from runagent_pulse.domain.ids import new_id
from runagent_pulse.store.tables import runs
from tests.integration.engine.conftest import START
from tests.integration.engine.harness import Harness


def statuses(rows: list[dict]) -> list[str]:
    return [r["status"] for r in rows]


async def test_one_off_now_runs_once_and_completes_the_task(h: Harness) -> None:
    task_id = await h.create(when="now", params={"input": "Hello"})
    await h.settle()
    [run] = await h.runs_of(task_id)
    assert run["status"] == "success"
    assert run["result"] == {"input": "Hello"}
    assert run["trigger"] == "schedule"
    task = await h.task(task_id)
    assert (task["status"], task["activity"], task["runs_succeeded"]) == ("completed", "idle", 1)


async def test_future_one_off_waits_until_due(h: Harness) -> None:
    task_id = await h.create(when="in 5 minutes")
    await h.advance(299)
    assert statuses(await h.runs_of(task_id)) == ["scheduled"]
    await h.advance(1)
    assert statuses(await h.runs_of(task_id)) == ["success"]


async def test_repeat_times_runs_exactly_that_many_then_completes(h: Harness) -> None:
    task_id = await h.create(when="now", repeat={"interval": "1s", "times": 3})
    for _ in range(5):
        await h.advance(1)
    rows = await h.runs_of(task_id)
    assert statuses(rows) == ["success"] * 3
    assert [r["scheduled_for"] - START for r in rows] == [timedelta(seconds=s) for s in (0, 1, 2)]
    assert (await h.task(task_id))["status"] == "completed"


async def test_until_ends_a_recurring_task(h: Harness) -> None:
    until = (START + timedelta(minutes=2, seconds=30)).isoformat()
    task_id = await h.create(when="now", repeat={"interval": "1m", "until": until})
    for _ in range(5):
        await h.advance(60)
    assert statuses(await h.runs_of(task_id)) == ["success"] * 3
    assert (await h.task(task_id))["status"] == "completed"


async def test_cron_in_new_york_across_spring_forward(sqlite_url: str) -> None:
    # 2026-03-08 02:30 does not exist in New York: that day's fire is at 03:00 EDT (07:00Z).
    harness = Harness(sqlite_url, datetime(2026, 3, 6, 12, 0, tzinfo=UTC))
    try:
        await harness.start()
        task_id = await harness.create(when="30 2 * * *", timezone="America/New_York")
        for _ in range(4):
            await harness.advance(24 * 3600)
        fires = [r["scheduled_for"] for r in await harness.runs_of(task_id)][:4]
        assert fires == [
            datetime(2026, 3, 7, 7, 30, tzinfo=UTC),  # EST, UTC-5
            datetime(2026, 3, 8, 7, 0, tzinfo=UTC),  # in the gap: first instant after it
            datetime(2026, 3, 9, 6, 30, tzinfo=UTC),  # EDT, UTC-4
            datetime(2026, 3, 10, 6, 30, tzinfo=UTC),
        ]
    finally:
        await harness.close()


@pytest.mark.parametrize(
    ("policy", "expected_success", "expected_skipped"),
    [("latest", 1, 5), ("all", 6, 0), ("skip", 0, 6)],
)
async def test_catchup_after_downtime(
    db_url: str, policy: str, expected_success: int, expected_skipped: int
) -> None:
    h = Harness(db_url, START)
    try:
        await h.start()
        task_id = await h.create(when="every hour", catchup=policy)
        await h.engine.stop()
        h.clock.advance(timedelta(hours=6, minutes=30))  # fires at 13:00 … 18:00 are missed
        await h.restart()
        await h.settle()
        await h.settle()
        rows = [r for r in await h.runs_of(task_id) if r["scheduled_for"] <= h.clock.now()]
        assert len(rows) == 6
        assert statuses(rows).count("success") == expected_success
        skipped = [r for r in rows if r["status"] == "skipped"]
        assert len(skipped) == expected_skipped
        assert all("missed while Pulse was down" in r["skip_reason"] for r in skipped)
        if policy == "latest":
            assert [r["scheduled_for"] for r in rows if r["status"] == "success"] == [
                START + timedelta(hours=6)
            ]
        task = await h.task(task_id)
        assert task["runs_skipped"] == expected_skipped
        assert task["next_run_at"] == START + timedelta(hours=7)
    finally:
        await h.close()


async def test_overlap_skip_records_the_skipped_fire(h: Harness) -> None:
    task_id = await h.create(
        when="every minute", executor_type="gate", params={"gate": "a"}, overlap="skip"
    )
    await h.advance(60)  # first fire starts and blocks
    await h.advance(60)  # second fire: previous still running
    h.gate.gate("a").set()
    await h.settle()
    rows = await h.runs_of(task_id)
    assert statuses(rows)[:2] == ["success", "skipped"]
    assert "overlap=skip" in rows[1]["skip_reason"]


async def test_overlap_buffer_one_keeps_one_waiting(h: Harness) -> None:
    task_id = await h.create(
        when="every minute", executor_type="gate", params={"gate": "b"}, overlap="buffer_one"
    )
    await h.advance(60)
    await h.advance(60)  # buffered
    await h.advance(60)  # skipped: one is already waiting
    rows = await h.runs_of(task_id)
    assert statuses(rows)[:3] == ["running", "scheduled", "skipped"]
    h.gate.gate("b").set()
    await h.settle()
    await h.settle()
    rows = await h.runs_of(task_id)
    assert statuses(rows)[:3] == ["success", "success", "skipped"]


async def test_overlap_cancel_previous(h: Harness) -> None:
    task_id = await h.create(
        when="every minute", executor_type="gate", params={"gate": "c"}, overlap="cancel_previous"
    )
    await h.advance(60)
    await h.advance(60)
    await h.settle()
    rows = await h.runs_of(task_id)
    assert statuses(rows)[:2] == ["cancelled", "running"]
    assert "cancel_previous" in rows[0]["error_message"]


async def test_default_overlap_allows_parallel_runs(h: Harness) -> None:
    task_id = await h.create(when="every minute", executor_type="gate", params={"gate": "d"})
    await h.advance(60)
    await h.advance(60)
    assert statuses(await h.runs_of(task_id))[:2] == ["running", "running"]


async def test_failed_runs_retry_with_backoff_then_fail(h: Harness) -> None:
    task_id = await h.create(
        when="now", params={"fail": "boom"}, retry={"max_attempts": 3, "backoff": "10s"}
    )
    await h.settle()
    for _ in range(4):
        await h.advance(30)
    rows = await h.runs_of(task_id)
    assert [(r["attempt"], r["status"], r["trigger"]) for r in rows] == [
        (1, "failed", "schedule"),
        (2, "failed", "retry"),
        (3, "failed", "retry"),
    ]
    assert rows[0]["error_type"] == "EchoFailure"
    # backoff doubles, with jitter in [half, full]: 5–10 s, then 10–20 s
    first_gap = rows[1]["started_at"] - rows[0]["finished_at"]
    assert timedelta(seconds=5) <= first_gap <= timedelta(seconds=40)
    task = await h.task(task_id)
    assert (task["status"], task["activity"], task["runs_failed"]) == ("completed", "error", 3)


async def test_expired_lease_of_a_dead_node_is_retried(h: Harness) -> None:
    task_id = await h.create(when="in 1 hour")
    async with h.db.write() as conn:
        await conn.execute(
            runs.update()
            .where(runs.c.task_id == task_id)
            .values(
                status="running",
                lease_owner="dead-node",
                due_at=None,
                lease_expires_at=START - timedelta(seconds=1),
                started_at=START,
            )
        )
    await h.engine.recover_expired()
    await h.advance(10)
    rows = await h.runs_of(task_id)
    assert [(r["attempt"], r["status"]) for r in rows] == [(1, "failed"), (2, "success")]
    assert rows[0]["error_type"] == "LeaseExpired"


async def test_pause_prevents_runs_and_resume_skips_missed_fires(h: Harness) -> None:
    task_id = await h.create(when="every minute")
    paused = await h.service.pause(task_id, note="upstream outage")
    assert paused.pause_note == "upstream outage"
    await h.advance(300)
    assert statuses(await h.runs_of(task_id)) == ["scheduled"]  # parked, not run
    task = await h.service.resume(task_id, catch_up=False)
    await h.settle()
    rows = await h.runs_of(task_id)
    assert "success" not in statuses(rows)
    assert task.next_run_at is not None and task.next_run_at > h.clock.now()
    assert task.pause_note is None
    await h.advance(60)
    assert statuses(await h.runs_of(task_id)).count("success") == 1


async def test_manual_trigger_runs_now(h: Harness) -> None:
    task_id = await h.create(when="every day at 9am")
    run = await h.service.trigger(task_id)
    assert run.trigger == "manual"
    await h.settle()
    assert [r["status"] for r in await h.runs_of(task_id) if r["trigger"] == "manual"] == [
        "success"
    ]


async def test_cancel_running_run(h: Harness) -> None:
    task_id = await h.create(when="now", executor_type="gate", params={"gate": "e"})
    await h.settle()
    [run] = await h.runs_of(task_id)
    assert run["status"] == "running"
    cancelled = await h.runs.cancel(run["id"])
    assert cancelled.status == "cancelled"
    assert (await h.task(task_id))["status"] == "completed"


async def test_cancel_task_stops_future_fires(h: Harness) -> None:
    task_id = await h.create(when="every minute")
    await h.service.cancel(task_id)
    await h.advance(180)
    assert "success" not in statuses(await h.runs_of(task_id))
    assert (await h.task(task_id))["status"] == "cancelled"


async def test_one_run_record_per_fire_is_enforced(h: Harness) -> None:
    task_id = await h.create(when="in 1 hour")
    [run] = await h.runs_of(task_id)
    with pytest.raises(sa.exc.IntegrityError):
        async with h.db.write() as conn:
            await conn.execute(
                runs.insert().values(
                    id=new_id("run"),
                    task_id=task_id,
                    scheduled_for=run["scheduled_for"],
                    attempt=1,
                    trigger="schedule",
                    status="scheduled",
                    created_at=START,
                    cancel_requested=False,
                    buffered=False,
                )
            )


async def test_two_engines_never_run_a_fire_twice(db_url: str) -> None:
    a = Harness(db_url, START, node_id="node-a")
    b = Harness(db_url, START, node_id="node-b")
    try:
        await a.start()
        await b.start()
        b.clock = a.clock
        b.engine.clock = a.clock
        ids = [await a.create(when="in 1 minute") for _ in range(50)]
        a.clock.advance(timedelta(minutes=1))
        a.engine.wake()
        b.engine.wake()
        await a.settle()
        await b.settle()
        async with a.db.read() as conn:
            count = await conn.scalar(
                sa.select(sa.func.count()).where(
                    runs.c.task_id.in_(ids), runs.c.status == "success"
                )
            )
        assert count == 50
    finally:
        await b.close()
        await a.close()


async def test_polling_reports_pending_while_a_retry_waits(h: Harness) -> None:
    task_id = await h.create(when="now", params={"fail": "flaky"}, retry={"max_attempts": 2})
    await h.settle()
    assert (await h.service.result(task_id)).status == "pending"
    await h.advance(10)
    view = await h.service.result(task_id)
    assert view.status == "failed"
    assert view.error == "EchoFailure: flaky"


@pytest.mark.parametrize(("policy", "expected"), [("skip", "skipped"), ("latest", "success")])
async def test_a_single_missed_fire_follows_the_catchup_policy(
    sqlite_url: str, policy: str, expected: str
) -> None:
    h = Harness(sqlite_url, START)
    try:
        await h.start()
        task_id = await h.create(when="every day at 13:00", catchup=policy)
        await h.engine.stop()
        h.clock.advance(timedelta(hours=2))  # 13:00 passed while down; 14:00 now
        await h.restart()
        await h.settle()
        [missed] = [r for r in await h.runs_of(task_id) if r["scheduled_for"] <= h.clock.now()]
        assert missed["status"] == expected
    finally:
        await h.close()


async def test_resuming_a_one_off_whose_time_passed_runs_it(h: Harness) -> None:
    task_id = await h.create(when="in 1 minute")
    await h.service.pause(task_id)
    await h.advance(600)
    await h.service.resume(task_id, catch_up=False)
    await h.settle()
    assert statuses(await h.runs_of(task_id)) == ["success"]


async def test_concurrent_creates_share_transactions_and_honour_idempotency(h: Harness) -> None:
    from runagent_pulse.service.models import TaskCreate

    def request(key: str | None) -> TaskCreate:
        return TaskCreate(
            agent_id="a",
            entrypoint_tag="b",
            executor_type="echo",
            when="in 1 hour",
            idempotency_key=key,
        )

    results = await asyncio.gather(
        *(h.service.create(request(None)) for _ in range(20)),
        *(h.service.create(request("same-key")) for _ in range(5)),
    )
    plain, keyed = results[:20], results[20:]
    assert len({task.task_id for task, _ in plain}) == 20
    assert all(new for _, new in plain)
    assert len({task.task_id for task, _ in keyed}) == 1
    assert sorted(new for _, new in keyed) == [False] * 4 + [True]
    again, new = await h.service.create(request("same-key"))
    assert (again.task_id, new) == (keyed[0][0].task_id, False)
