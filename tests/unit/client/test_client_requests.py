"""What the async client sends (paths, bodies, headers) and how it reads the answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from runagent_pulse.client import (
    AsyncPulseClient,
    AsyncPulseTask,
    ConflictError,
    InvalidWhenError,
    TaskNotFoundError,
)
from tests.unit.client.client_fakes import FakeServer, api_error, reply, run_json, task_json


@pytest.fixture
async def client(server: FakeServer) -> AsyncIterator[AsyncPulseClient]:
    async with AsyncPulseClient(
        "http://pulse.test/", api_key="secret", transport=server.transport
    ) as pulse:
        yield pulse


async def test_schedule_agent_posts_the_create_body_with_bearer_auth(
    server: FakeServer, client: AsyncPulseClient
) -> None:
    server.on("POST", "/v1/tasks", reply(201, task_json()))
    task = await client.schedule_agent(
        agent_id="my_agent",
        entrypoint_tag="process",
        when="in 5 minutes",
        params={"input": "Hello"},
        callback_url="http://localhost:3001/results",
        executor_type="local",
        repeat={"interval": "1d", "times": 10, "until": datetime(2027, 1, 1, tzinfo=UTC)},
        timeout=timedelta(minutes=30),
        idempotency_key="key-1",
    )
    request = server.last
    assert str(request.url) == "http://pulse.test/v1/tasks"
    assert request.headers["Authorization"] == "Bearer secret"
    assert request.headers["Content-Type"] == "application/json"
    assert server.last_json() == {
        "agent_id": "my_agent",
        "entrypoint_tag": "process",
        "when": "in 5 minutes",
        "params": {"input": "Hello"},
        "callback_url": "http://localhost:3001/results",
        "persistent_memory": False,
        "executor_type": "local",
        "repeat": {"interval": "1d", "times": 10, "until": "2027-01-01T00:00:00+00:00"},
        "timeout": 1800.0,
        "idempotency_key": "key-1",
    }
    assert isinstance(task, AsyncPulseTask)
    assert task.task_id == "tsk_1"
    assert task.status == "active"
    assert task.when == "in 5 minutes"
    assert task.schedule is not None and task.schedule["kind"] == "once"
    assert task.next_run_at == datetime(2026, 11, 22, 9, 5, tzinfo=UTC)


async def test_schedule_agent_defaults_send_only_what_the_server_needs(
    server: FakeServer, client: AsyncPulseClient
) -> None:
    server.on("POST", "/v1/tasks", reply(201, task_json()))
    await client.schedule_agent("a", "b")
    assert server.last_json() == {
        "agent_id": "a",
        "entrypoint_tag": "b",
        "when": "now",
        "params": {},
        "persistent_memory": False,
    }


async def test_schedule_http_puts_the_request_in_params(
    server: FakeServer, client: AsyncPulseClient
) -> None:
    server.on("POST", "/v1/tasks", reply(201, task_json()))
    await client.schedule_http(
        "https://agents.example.com/run",
        body={"prompt": "hi"},
        headers={"Authorization": "Bearer k"},
        when="every day at 9am",
        timeout="2m",
        retry={"max_attempts": 5},
        metadata={"team": "support"},
    )
    assert server.last_json() == {
        "agent_id": "http",
        "entrypoint_tag": "request",
        "executor_type": "http",
        "when": "every day at 9am",
        "timeout": "2m",
        "retry": {"max_attempts": 5},
        "metadata": {"team": "support"},
        "params": {
            "url": "https://agents.example.com/run",
            "method": "POST",
            "body": {"prompt": "hi"},
            "headers": {"Authorization": "Bearer k"},
        },
    }
    await client.schedule_http("https://agents.example.com/ping", method="GET")
    assert server.last_json()["params"] == {
        "url": "https://agents.example.com/ping",
        "method": "GET",
    }


async def test_no_authorization_header_without_api_key(server: FakeServer) -> None:
    server.on("GET", "/health", reply(200, {"status": "ok"}))
    async with AsyncPulseClient(transport=server.transport) as pulse:
        assert await pulse.health() == {"status": "ok"}
    assert "Authorization" not in server.last.headers
    assert str(server.last.url) == "http://localhost:8000/health"


async def test_invalid_when_is_raised_with_the_server_message(
    server: FakeServer, client: AsyncPulseClient
) -> None:
    server.on("POST", "/v1/tasks", api_error(422, "invalid_when", "cannot read 'soonish'"))
    with pytest.raises(InvalidWhenError, match="soonish") as caught:
        await client.schedule_agent("a", "b", when="soonish")
    assert caught.value.status_code == 422


async def test_schedule_batch_builds_each_body_and_returns_handles(
    server: FakeServer, client: AsyncPulseClient
) -> None:
    items = [{"task_id": f"tsk_{i}", "status": "active", "next_run_at": None} for i in (1, 2)]
    server.on("POST", "/v1/tasks/batch", reply(201, {"count": 2, "items": items}))
    tasks = await client.schedule_batch(
        [
            {"agent_id": "a", "entrypoint_tag": "b", "timeout": "30m"},
            {"agent_id": "c", "entrypoint_tag": "d", "when": "every day at 9am", "timezone": "UTC"},
        ]
    )
    assert [task.task_id for task in tasks] == ["tsk_1", "tsk_2"]
    assert server.last_json()["tasks"] == [
        {"agent_id": "a", "entrypoint_tag": "b", "when": "now", "params": {}, "timeout": "30m"},
        {
            "agent_id": "c",
            "entrypoint_tag": "d",
            "when": "every day at 9am",
            "params": {},
            "timezone": "UTC",
        },
    ]


async def test_schedule_batch_rejects_unknown_fields_before_sending(
    server: FakeServer, client: AsyncPulseClient
) -> None:
    with pytest.raises(TypeError, match="unknown task field"):
        await client.schedule_batch([{"agent_id": "a", "entrypoint_tag": "b", "wen": "now"}])
    assert server.requests == []


def _pages(total: int, page_size_seen: list[int]) -> Any:
    """A handler serving ``total`` tasks newest first, cursor = offset."""

    def handler(request: httpx.Request) -> httpx.Response:
        limit = int(request.url.params["limit"])
        page_size_seen.append(limit)
        start = int(request.url.params.get("cursor") or 0)
        end = min(start + limit, total)
        items = [task_json(f"tsk_{i}") for i in range(start, end)]
        return reply(200, {"items": items, "next_cursor": str(end) if end < total else None})

    return handler


async def test_list_tasks_follows_cursors_up_to_the_limit(
    server: FakeServer, client: AsyncPulseClient
) -> None:
    seen: list[int] = []
    server.on("GET", "/v1/tasks", _pages(250, seen))
    tasks = await client.list_tasks(status="active", agent_id="my_agent", limit=230)
    assert [task.task_id for task in tasks] == [f"tsk_{i}" for i in range(230)]
    assert seen == [100, 100, 30]
    params = server.last.url.params
    assert (params["status"], params["agent_id"], params["cursor"]) == ("active", "my_agent", "200")
    assert "activity" not in params  # None filters are not sent


async def test_list_tasks_without_limit_reads_every_page(
    server: FakeServer, client: AsyncPulseClient
) -> None:
    seen: list[int] = []
    server.on("GET", "/v1/tasks", _pages(120, seen))
    assert len(await client.list_tasks(limit=None)) == 120
    assert "cursor" not in server.requests[0].url.params


async def test_iter_tasks_stops_when_the_server_has_no_more(
    server: FakeServer, client: AsyncPulseClient
) -> None:
    server.on("GET", "/v1/tasks", reply(200, {"items": [task_json()], "next_cursor": None}))
    assert [task.task_id async for task in client.iter_tasks()] == ["tsk_1"]
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("call", "method", "path", "body"),
    [
        (lambda c: c.get_task("tsk_1"), "GET", "/v1/tasks/tsk_1", None),
        (lambda c: c.cancel_task("tsk_1"), "DELETE", "/v1/tasks/tsk_1", None),
        (lambda c: c.pause_task("tsk_1"), "POST", "/v1/tasks/tsk_1/pause", None),
        (
            lambda c: c.pause_task("tsk_1", note="maintenance"),
            "POST",
            "/v1/tasks/tsk_1/pause",
            {"note": "maintenance"},
        ),
        (lambda c: c.resume_task("tsk_1"), "POST", "/v1/tasks/tsk_1/resume", {"catch_up": False}),
        (
            lambda c: c.resume_task("tsk_1", catch_up=True),
            "POST",
            "/v1/tasks/tsk_1/resume",
            {"catch_up": True},
        ),
        (
            lambda c: c.update_task("tsk_1", when="daily at 6pm", timeout=timedelta(seconds=90)),
            "PATCH",
            "/v1/tasks/tsk_1",
            {"when": "daily at 6pm", "timeout": 90.0},
        ),
    ],
    ids=["get", "cancel", "pause", "pause-note", "resume", "resume-catch-up", "update"],
)
async def test_task_actions(
    server: FakeServer, client: AsyncPulseClient, call: Any, method: str, path: str, body: Any
) -> None:
    server.on(method, path, reply(200, task_json(status="paused")))
    task = await call(client)
    assert task.status == "paused"
    assert (server.last.method, server.last.url.path) == (method, path)
    assert (server.last_json() if server.last.content else None) == body


@pytest.mark.parametrize(
    ("call", "method", "path"),
    [
        (lambda c: c.trigger_task("tsk_1"), "POST", "/v1/tasks/tsk_1/trigger"),
        (lambda c: c.get_task_result("tsk_1"), "GET", "/v1/tasks/tsk_1/result"),
        (lambda c: c.get_run("run_1"), "GET", "/v1/runs/run_1"),
        (lambda c: c.cancel_run("run_1"), "POST", "/v1/runs/run_1/cancel"),
        (lambda c: c.redeliver("run_1"), "POST", "/v1/runs/run_1/redeliver"),
        (lambda c: c.get_config(), "GET", "/v1/config"),
    ],
    ids=["trigger", "result", "get-run", "cancel-run", "redeliver", "config"],
)
async def test_dict_returning_calls(
    server: FakeServer, client: AsyncPulseClient, call: Any, method: str, path: str
) -> None:
    server.on(method, path, reply(202 if "redeliver" in path else 200, {"answer": path}))
    assert await call(client) == {"answer": path}
    assert (server.last.method, server.last.url.path) == (method, path)


async def test_ids_are_quoted_in_paths(server: FakeServer, client: AsyncPulseClient) -> None:
    server.on("GET", "/v1/tasks/a/b?c", api_error(404, "task_not_found"))  # decoded path
    with pytest.raises(TaskNotFoundError):
        await client.get_task("a/b?c")
    assert server.last.url.raw_path == b"/v1/tasks/a%2Fb%3Fc"


async def test_history_runs_and_deliveries(server: FakeServer, client: AsyncPulseClient) -> None:
    runs = {"items": [run_json("run_2"), run_json("run_1")], "next_cursor": None}
    server.on("GET", "/v1/tasks/tsk_1/runs", reply(200, runs))
    server.on("GET", "/v1/runs", reply(200, runs))
    server.on("GET", "/v1/runs/run_1/deliveries", reply(200, {"items": [{"status": "delivered"}]}))
    history = await client.get_history("tsk_1", limit=1)
    assert [run["run_id"] for run in history] == ["run_2"]
    assert server.last.url.params["limit"] == "1"
    assert len(await client.list_runs(task_id="tsk_1", status="failed")) == 2
    assert (server.last.url.params["task_id"], server.last.url.params["status"]) == (
        "tsk_1",
        "failed",
    )
    assert await client.get_deliveries("run_1") == [{"status": "delivered"}]


async def test_conflict_on_resuming_a_cancelled_task(
    server: FakeServer, client: AsyncPulseClient
) -> None:
    server.on("POST", "/v1/tasks/tsk_1/resume", api_error(409, "invalid_transition", "cancelled"))
    with pytest.raises(ConflictError):
        await client.resume_task("tsk_1")


async def test_parse_when_sends_now_as_iso(server: FakeServer, client: AsyncPulseClient) -> None:
    parsed = {"kind": "cron", "description": "d", "timezone": "UTC", "next_runs": []}
    server.on("POST", "/v1/timespec/parse", reply(200, parsed))
    now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    assert await client.parse_when("every day at 9am", "Europe/Paris", 3, now) == parsed
    assert server.last_json() == {
        "when": "every day at 9am",
        "timezone": "Europe/Paris",
        "count": 3,
        "now": "2026-11-22T09:00:00+00:00",
        "repeat": None,
    }
