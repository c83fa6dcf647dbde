"""``wait()``: polls the result until final (one-off) or until the next run finishes (recurring).

Polls use ``poll_interval=0``, so nothing sleeps; timeouts use ``timeout=0`` (one poll, then raise).
"""

from __future__ import annotations

from typing import Any

import pytest

from runagent_pulse.client import AsyncPulseClient, PulseTimeoutError
from tests.unit.client.client_fakes import FakeServer, reply, task_json

RESULT = "/v1/tasks/tsk_1/result"
RECURRING = {
    "repeat": None,
    "when": "every day at 9am",
    "schedule": {"kind": "cron", "description": "every day at 09:00", "timezone": "UTC"},
}


def result(status: str, execution_id: str | None = None, **fields: Any) -> dict[str, Any]:
    body = {"status": status, "result": None, "execution_id": execution_id, "error": None}
    body.update(fields)
    return body


async def test_one_off_waits_until_completed(server: FakeServer) -> None:
    server.on("POST", "/v1/tasks", reply(201, task_json()))
    server.on(
        "GET",
        RESULT,
        reply(200, result("pending")),
        reply(200, result("running")),
        reply(200, result("completed", "run_1", result={"answer": 42})),
    )
    async with AsyncPulseClient(transport=server.transport) as pulse:
        task = await pulse.schedule_agent("a", "b")
        final = await task.wait(timeout=None, poll_interval=0)
    assert final["result"] == {"answer": 42}
    assert [r.url.path for r in server.requests].count(RESULT) == 3


async def test_a_failed_run_is_returned_not_raised(server: FakeServer) -> None:
    server.on("GET", "/v1/tasks/tsk_1", reply(200, task_json()))
    server.on("GET", RESULT, reply(200, result("failed", "run_1", error="ValueError: x")))
    async with AsyncPulseClient(transport=server.transport) as pulse:
        task = await pulse.get_task("tsk_1")
        assert (await task.wait(poll_interval=0))["error"] == "ValueError: x"


async def test_timeout_raises_pulse_timeout_error_with_the_last_result(server: FakeServer) -> None:
    server.on("GET", "/v1/tasks/tsk_1", reply(200, task_json()))
    server.on("GET", RESULT, reply(200, result("pending")))
    async with AsyncPulseClient(transport=server.transport) as pulse:
        task = await pulse.get_task("tsk_1")
        with pytest.raises(PulseTimeoutError, match="tsk_1") as caught:
            await task.wait(timeout=0, poll_interval=0)
    assert caught.value.details["last_result"]["status"] == "pending"
    assert caught.value.code == "timeout"


async def test_recurring_waits_for_a_run_after_the_one_already_finished(server: FakeServer) -> None:
    server.on("GET", "/v1/tasks/tsk_1", reply(200, task_json(**RECURRING)))
    server.on(
        "GET",
        RESULT,
        reply(200, result("completed", "run_1")),  # finished before wait() began
        reply(200, result("running", "run_1")),
        reply(200, result("completed", "run_1")),
        reply(200, result("completed", "run_2", result="fresh")),
    )
    async with AsyncPulseClient(transport=server.transport) as pulse:
        task = await pulse.get_task("tsk_1")
        assert task.is_recurring
        final = await task.wait(timeout=None, poll_interval=0)
    assert (final["execution_id"], final["result"]) == ("run_2", "fresh")


async def test_recurring_with_no_run_yet_returns_the_first_finished_run(server: FakeServer) -> None:
    server.on("GET", "/v1/tasks/tsk_1", reply(200, task_json(repeat={"interval": "1h"})))
    server.on("GET", RESULT, reply(200, result("pending")), reply(200, result("failed", "run_1")))
    async with AsyncPulseClient(transport=server.transport) as pulse:
        task = await pulse.get_task("tsk_1")
        assert (await task.wait(timeout=None, poll_interval=0))["execution_id"] == "run_1"


async def test_handles_from_a_batch_fetch_the_schedule_first(server: FakeServer) -> None:
    items = [{"task_id": "tsk_1", "status": "active", "next_run_at": None}]
    server.on("POST", "/v1/tasks/batch", reply(201, {"count": 1, "items": items}))
    server.on("GET", "/v1/tasks/tsk_1", reply(200, task_json(**RECURRING)))
    server.on(
        "GET",
        RESULT,
        reply(200, result("completed", "run_1")),
        reply(200, result("completed", "run_2")),
    )
    async with AsyncPulseClient(transport=server.transport) as pulse:
        (task,) = await pulse.schedule_batch([{"agent_id": "a", "entrypoint_tag": "b"}])
        final = await task.wait(timeout=None, poll_interval=0)
    assert final["execution_id"] == "run_2"
    assert task.schedule is not None and task.schedule["kind"] == "cron"
