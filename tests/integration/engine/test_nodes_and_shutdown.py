"""The node registry, and what a node does with its running runs when it shuts down."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
import sqlalchemy as sa

from runagent_pulse import __version__
from runagent_pulse.store import claims
from runagent_pulse.store.nodes import list_nodes
from runagent_pulse.store.tables import runs
from tests.integration.engine.harness import Harness


async def node_rows(h: Harness) -> dict[str, dict]:
    async with h.db.read() as conn:
        return {row["id"]: row for row in await list_nodes(conn)}


async def test_a_started_engine_registers_heartbeats_and_signs_off(h: Harness) -> None:
    node = (await node_rows(h))["node-a"]
    assert (node["role"], node["pid"], node["version"]) == ("serve", os.getpid(), __version__)
    assert node["stopped_at"] is None
    started = node["heartbeat_at"]

    h.clock.advance(10)
    await h.engine.heartbeat()
    assert (await node_rows(h))["node-a"]["heartbeat_at"] == h.clock.now() != started

    await h.engine.stop(grace=1)
    assert (await node_rows(h))["node-a"]["stopped_at"] == h.clock.now()


async def test_the_registry_counts_the_runs_each_node_is_running(h: Harness) -> None:
    for _ in range(3):
        await h.create(executor_type="gate", params={"gate": "hold"})
    await h.settle()
    assert (await node_rows(h))["node-a"]["running_runs"] == 3
    h.gate.gate("hold").set()
    await h.settle()
    assert (await node_rows(h))["node-a"]["running_runs"] == 0


async def test_runs_that_finish_within_the_grace_period_end_normally(h: Harness) -> None:
    task_id = await h.create(executor_type="gate", params={"gate": "soon"})
    await h.settle()
    stopping = asyncio.create_task(h.engine.stop(grace=30))
    await asyncio.sleep(0)  # the engine stops claiming, the run goes on
    h.gate.gate("soon").set()
    await stopping
    assert [(r["attempt"], r["status"]) for r in await h.runs_of(task_id)] == [(1, "success")]


async def test_runs_still_running_after_the_grace_period_are_released_for_a_retry_at_once(
    h: Harness,
) -> None:
    task_id = await h.create(
        executor_type="gate", params={"gate": "never"}, retry={"max_attempts": 1}
    )
    await h.settle()
    await h.engine.stop(grace=0.05)

    first, second = await h.runs_of(task_id)
    assert (first["status"], first["error_type"]) == ("failed", "Interrupted")
    assert "released" in first["error_message"]
    # A retry although the policy allows one attempt only: the run did nothing wrong.
    assert (second["attempt"], second["trigger"], second["status"]) == (2, "retry", "scheduled")
    assert second["due_at"] == h.clock.now()
    assert (await h.task(task_id))["activity"] != "running"

    h.node_id = "node-b"
    h.gate.gate("never").set()
    await h.restart()  # another node takes it over without any time passing
    await h.settle()
    async with h.db.read() as conn:
        owner = await conn.scalar(sa.select(runs.c.node).where(runs.c.id == second["id"]))
    assert (await h.runs_of(task_id))[1]["status"] == "success"
    assert owner == "node-b"


async def test_a_claim_in_flight_when_the_node_stops_starts_its_runs(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    task_id = await h.create(when="in 1 minute")
    claiming, proceed = asyncio.Event(), asyncio.Event()
    claim_due = claims.claim_due

    async def claim_then_pause(*args: Any, **kwargs: Any) -> Any:
        claimed = await claim_due(*args, **kwargs)
        if claimed[0]:
            claiming.set()
            await proceed.wait()  # stop() arrives while the claim's transaction is open
        return claimed

    monkeypatch.setattr(claims, "claim_due", claim_then_pause)
    h.clock.advance(60)
    h.engine.wake()
    await asyncio.wait_for(claiming.wait(), 10)
    stopping = asyncio.create_task(h.engine.stop(grace=10))
    await asyncio.sleep(0)  # stop() runs up to its first wait: the claim is still open
    proceed.set()
    await asyncio.wait_for(stopping, 20)
    assert [(r["attempt"], r["status"]) for r in await h.runs_of(task_id)] == [(1, "success")]
