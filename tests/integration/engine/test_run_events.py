"""Events an executor emits (``ctx.event``) are stored with the run, in order, also live."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from runagent_pulse.engine.events import MAX_EVENTS_PER_RUN
from runagent_pulse.store.retention import prune_finished_runs
from runagent_pulse.store.run_events import list_events
from runagent_pulse.store.tables import run_events
from tests.integration.engine.harness import Harness
from tests.support.waiting import wait_until


async def events_of(h: Harness, run_id: str) -> list[dict]:
    async with h.db.read() as conn:
        return await list_events(conn, run_id, after=None, limit=5000)


async def test_events_are_stored_in_order_with_the_outcome(h: Harness) -> None:
    task_id = await h.create(executor_type="emit", params={"events": 5, "gate": "a"})
    await h.settle()
    h.gate.gate("a").set()
    await h.settle()
    [run] = await h.runs_of(task_id)
    assert run["status"] == "success"
    events = await events_of(h, run["id"])
    assert [(e["seq"], e["kind"], e["data"]) for e in events] == [
        (i + 1, "step", {"i": i}) for i in range(5)
    ]


async def test_events_of_a_running_run_can_be_read_before_it_ends(h: Harness) -> None:
    task_id = await h.create(executor_type="emit", params={"events": 3, "gate": "live"})
    await h.settle()
    [run] = await h.runs_of(task_id)
    assert run["status"] == "running"

    async def three_stored() -> bool:
        return len(await events_of(h, run["id"])) == 3

    await wait_until(three_stored, bound=10, what="events written while running")
    h.gate.gate("live").set()
    await h.settle()
    assert [e["seq"] for e in await events_of(h, run["id"])] == [1, 2, 3]


async def test_a_chatty_run_keeps_its_first_events_and_says_it_dropped_the_rest(
    h: Harness,
) -> None:
    task_id = await h.create(
        executor_type="emit", params={"events": MAX_EVENTS_PER_RUN + 50, "gate": "open"}
    )
    h.gate.gate("open").set()
    await h.settle()
    [run] = await h.runs_of(task_id)
    events = await events_of(h, run["id"])
    assert len(events) == MAX_EVENTS_PER_RUN + 1
    assert events[-1]["kind"] == "events_truncated"
    assert [e["seq"] for e in events] == list(range(1, MAX_EVENTS_PER_RUN + 2))


async def test_oversized_event_data_is_replaced_by_a_marked_preview(h: Harness) -> None:
    task_id = await h.create(
        executor_type="emit",
        params={"events": 1, "gate": "big", "pad": 100_000},
    )
    h.gate.gate("big").set()
    await h.settle()
    [run] = await h.runs_of(task_id)
    [event] = await events_of(h, run["id"])
    assert event["data"]["truncated"] is True
    assert event["data"]["bytes"] > 100_000
    assert event["data"]["preview"].startswith('{"i":0')


async def test_retention_deletes_the_events_of_the_runs_it_deletes(h: Harness) -> None:
    await h.create(executor_type="emit", params={"events": 2, "gate": "gone"})
    h.gate.gate("gone").set()
    await h.settle()
    async with h.db.write() as conn:
        deleted = await prune_finished_runs(
            conn, before=h.clock.now() + timedelta(days=1), limit=10
        )
        left = await conn.scalar(sa.select(sa.func.count()).select_from(run_events))
    assert deleted == 1
    assert left == 0
