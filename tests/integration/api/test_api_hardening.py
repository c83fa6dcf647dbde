"""Defects an outside probe found in the task API, each closed for its whole class (issue 11):
PATCH onto a fire that has a run record, explicit nulls, dates at the end of the calendar,
redacted secrets and a changed URL, numbers JSON cannot hold, booleans where numbers are meant.
Each runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from runagent_pulse.store.tables import runs, tasks
from tests.integration.delivery_outbox.support import App

ECHO = {"agent_id": "agent", "entrypoint_tag": "run", "executor_type": "echo"}


@pytest.fixture
async def app(db_url: str) -> AsyncIterator[App]:
    async with App(db_url) as running:
        yield running


async def create(app: App, **fields: Any) -> dict[str, Any]:
    response = await app.http.post("/v1/tasks", json={**ECHO, **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def runs_of(app: App, task_id: str) -> list[dict[str, Any]]:
    return await app.rows(
        sa.select(runs).where(runs.c.task_id == task_id).order_by(runs.c.scheduled_for)
    )


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def test_patch_onto_the_fire_a_task_already_waits_for_keeps_one_run(app: App) -> None:
    task = await create(app, when="0 9 * * *")
    response = await app.http.patch(f"/v1/tasks/{task['task_id']}", json={"timezone": "UTC"})
    assert response.status_code == 200, response.text
    waiting = [r for r in await runs_of(app, task["task_id"]) if r["status"] == "scheduled"]
    assert len(waiting) == 1
    assert iso(waiting[0]["scheduled_for"]) == task["next_run_at"].replace("+00:00", "Z")


async def test_a_one_off_moved_away_and_back_has_one_run_record(app: App) -> None:
    first = app.clock.now().replace(microsecond=0) + timedelta(hours=1)
    second = first + timedelta(hours=1)
    task = await create(app, when=iso(first))
    path = f"/v1/tasks/{task['task_id']}"
    assert (await app.http.patch(path, json={"when": iso(second)})).status_code == 200
    back = await app.http.patch(path, json={"when": iso(first)})
    assert back.status_code == 200, back.text
    assert back.json()["next_run_at"] == iso(first)
    rows = await runs_of(app, task["task_id"])
    assert [(r["status"], iso(r["scheduled_for"])) for r in rows] == [("scheduled", iso(first))]


async def test_a_fire_whose_run_was_cancelled_is_not_fired_again(app: App) -> None:
    task = await create(app, when="every day at 09:00")
    [waiting] = await runs_of(app, task["task_id"])
    cancelled = await app.http.post(f"/v1/runs/{waiting['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    response = await app.http.patch(f"/v1/tasks/{task['task_id']}", json={"timezone": "UTC"})
    assert response.status_code == 200, response.text
    next_fire = datetime.fromisoformat(response.json()["next_run_at"])
    assert next_fire == waiting["scheduled_for"].replace(tzinfo=UTC) + timedelta(days=1)


@pytest.mark.parametrize(
    ("field", "default"),
    [
        ("overlap", "allow"),
        ("catchup", "latest"),
        ("timeout", 600.0),
        ("catchup_window", 86_400.0),
        ("retry", {"max_attempts": 3, "backoff_seconds": 2.0, "max_backoff_seconds": 300.0}),
    ],
)
async def test_an_explicit_null_resets_a_field_to_its_default(
    app: App, field: str, default: Any
) -> None:
    task = await create(
        app,
        when="every hour",
        overlap="skip",
        catchup="all",
        timeout="5m",
        catchup_window="1h",
        retry={"max_attempts": 1},
    )
    response = await app.http.patch(f"/v1/tasks/{task['task_id']}", json={field: None})
    assert response.status_code == 200, response.text
    shown = {"timeout": "timeout_seconds", "catchup_window": "catchup_window_seconds"}
    assert response.json()[shown.get(field, field)] == default


async def test_a_null_when_is_refused_with_a_reason(app: App) -> None:
    task = await create(app, when="every hour")
    response = await app.http.patch(f"/v1/tasks/{task['task_id']}", json={"when": None})
    assert response.status_code == 422
    assert "when cannot be null" in response.json()["error"]["message"]


END_OF_TIME = "9999-12-31T12:00:00Z"
FAR_WHENS = ["every day", "0 9 * * *", "tomorrow at 9", "in 5 minutes", "every 15 minutes", "now"]


@pytest.mark.parametrize("when", FAR_WHENS)
async def test_schedules_at_the_end_of_the_calendar_end_or_are_refused(app: App, when: str) -> None:
    response = await app.http.post("/v1/timespec/parse", json={"when": when, "now": END_OF_TIME})
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert response.json()["error"]["code"] == "invalid_when"
        assert "9999" in response.json()["error"]["message"]
    else:
        fires = response.json()["next_runs"]
        assert fires and all(fire.startswith("9999-12-31") for fire in fires)


async def test_a_task_near_year_9999_can_be_changed(app: App) -> None:
    app.clock.set(datetime(9999, 12, 31, 23, 0, tzinfo=UTC))
    task = await create(app, when="every 15 minutes")
    response = await app.http.patch(
        f"/v1/tasks/{task['task_id']}", json={"timezone": "Europe/Paris"}
    )
    assert response.status_code in (200, 422), response.text


SECRET = "Bearer s3cret-token"


async def test_a_redacted_header_is_never_sent_to_a_new_url(app: App) -> None:
    params = {"url": "https://agents.example/run", "headers": {"Authorization": SECRET}}
    task = await create(app, when="every hour", executor_type="http", params=params)
    shown = task["params"]
    assert shown["headers"]["Authorization"] == "[redacted]"
    path = f"/v1/tasks/{task['task_id']}"
    moved = {**shown, "url": "https://elsewhere.example/collect"}
    refused = await app.http.patch(path, json={"params": moved})
    assert refused.status_code == 422
    assert "send the header value(s) again" in refused.json()["error"]["message"]
    [stored] = await app.rows(sa.select(tasks.c.params).where(tasks.c.id == task["task_id"]))
    assert stored["params"] == params
    unchanged = await app.http.patch(path, json={"params": shown})
    assert unchanged.status_code == 200, unchanged.text
    [stored] = await app.rows(sa.select(tasks.c.params).where(tasks.c.id == task["task_id"]))
    assert stored["params"]["headers"]["Authorization"] == SECRET


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
@pytest.mark.parametrize("field", ["params", "metadata"])
async def test_numbers_json_cannot_hold_are_refused(app: App, field: str, number: str) -> None:
    body = '{"agent_id": "agent", "entrypoint_tag": "run", "executor_type": "echo", '
    body += f'"{field}": {{"x": [1, {number}]}}}}'
    response = await app.http.post(
        "/v1/tasks", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert f"{field}.x[1]" in response.json()["error"]["message"]
    assert await app.rows(sa.select(tasks.c.id)) == []


@pytest.mark.parametrize(
    "fields",
    [
        {"timeout": True},
        {"catchup_window": False},
        {"retry": {"max_attempts": True}},
        {"retry": {"backoff": True}},
        {"repeat": {"interval": True}},
        {"persistent_memory": "yes"},
        {"when": "in 1 hour", "repeat": {"interval": "1h", "times": True}},
    ],
    ids=lambda fields: str(fields),
)
async def test_booleans_and_strings_are_not_numbers_or_flags(
    app: App, fields: dict[str, Any]
) -> None:
    response = await app.http.post("/v1/tasks", json={**ECHO, "when": "in 1 hour", **fields})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"


async def test_resume_takes_a_real_boolean(app: App) -> None:
    task = await create(app, when="every hour")
    await app.http.post(f"/v1/tasks/{task['task_id']}/pause")
    response = await app.http.post(f"/v1/tasks/{task['task_id']}/resume", json={"catch_up": "true"})
    assert response.status_code == 422


async def test_live_schedules_are_counted_by_who_created_them(app: App) -> None:
    """The MCP guard's count, on both backends (metadata is compact JSON on each)."""
    for metadata, when in [
        ({"created_by": "mcp"}, "every hour"),
        ({"created_by": "mcp", "team": "x"}, "every day at 9am"),
        ({"created_by": "mcpx"}, "every hour"),
        ({"note": "created_by mcp"}, "every hour"),
    ]:
        await create(app, when=when, metadata=metadata)
    paused = await create(app, when="every hour", metadata={"created_by": "mcp"})
    await app.http.post(f"/v1/tasks/{paused['task_id']}/pause")
    ended = await create(app, when="every hour", metadata={"created_by": "mcp"})
    await app.http.delete(f"/v1/tasks/{ended['task_id']}")
    assert await app.node.services.tasks.count_live_created_by("mcp") == 3
