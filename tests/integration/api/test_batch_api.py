"""``POST /v1/tasks/batch``: what the answer says is what was stored, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, timedelta

import pytest
import sqlalchemy as sa

from runagent_pulse.store.tables import runs, tasks
from tests.integration.delivery_outbox.support import App

ECHO = {"agent_id": "agent", "entrypoint_tag": "run", "executor_type": "echo"}


@pytest.fixture
async def app(db_url: str) -> AsyncIterator[App]:
    async with App(db_url) as running:
        yield running


async def test_a_batch_answers_each_task_as_stored_in_order(app: App) -> None:
    later = (app.clock.now() + timedelta(hours=2)).replace(microsecond=0)
    body = {
        "tasks": [
            {**ECHO, "when": later.isoformat()},
            {**ECHO, "when": "0 9 * * *", "timezone": "Europe/Paris"},
            {**ECHO, "when": later.isoformat(), "idempotency_key": "once"},
        ]
    }
    response = await app.http.post("/v1/tasks/batch", json=body)
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["count"] == 3
    assert [item["status"] for item in answer["items"]] == ["active"] * 3
    assert answer["items"][0]["next_run_at"] == later.isoformat().replace("+00:00", "Z")

    stored = {
        row["id"]: row
        for row in await app.rows(sa.select(tasks.c.id, tasks.c.next_run_at, tasks.c.status))
    }
    for item in answer["items"]:
        row = stored[item["task_id"]]
        shown = row["next_run_at"].astimezone(UTC).isoformat().replace("+00:00", "Z")
        assert (item["status"], item["next_run_at"]) == (row["status"], shown)
    first_runs = await app.rows(sa.select(runs.c.task_id, runs.c.scheduled_for, runs.c.status))
    assert sorted(r["task_id"] for r in first_runs) == sorted(stored)
    assert {r["status"] for r in first_runs} == {"scheduled"}

    again = await app.http.post("/v1/tasks/batch", json={"tasks": [body["tasks"][2]]})
    assert again.status_code == 201, again.text
    assert again.json()["items"][0]["task_id"] == answer["items"][2]["task_id"]
