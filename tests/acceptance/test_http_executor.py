"""``schedule_http`` through the SDK against a real ``pulse serve``, calling a real local HTTP
server: success, 500, timeout, connection refused with retries, the Idempotency-Key, a refused
metadata URL, the response size cap and header redaction."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from runagent_pulse import AsyncPulseClient, PulseClient
from runagent_pulse.client import UnsafeURLError, ValidationError
from tests.acceptance.server import PulseServer
from tests.support.http_target import HttpTarget
from tests.support.processes import free_port

pytestmark = pytest.mark.slow

FAST_RETRY = {"max_attempts": 3, "backoff": 0.05, "max_backoff": 0.1}


@pytest.fixture
def target() -> Iterator[HttpTarget]:
    server = HttpTarget().start()
    yield server
    server.stop()


def test_success_result_idempotency_key_and_redaction(
    pulse: PulseClient, target: HttpTarget
) -> None:
    task = pulse.schedule_http(
        f"{target.url}/agent",
        body={"prompt": "hi"},
        headers={"Authorization": "Bearer top-secret", "X-Api-Key": "k-1", "X-Trace": "abc"},
    )
    result = task.wait(timeout=30)
    assert result["status"] == "completed"
    assert result["result"]["status"] == 200
    assert result["result"]["body"]["body"] == '{"prompt":"hi"}'
    [seen] = target.received
    assert seen.headers["idempotency-key"] == result["execution_id"]
    assert seen.headers["authorization"] == "Bearer top-secret"

    details = task.get_details()
    assert details["executor_type"] == "http"
    shown = details["params"]["headers"]
    assert shown == {"Authorization": "[redacted]", "X-Api-Key": "[redacted]", "X-Trace": "abc"}
    listed = [t.data for t in pulse.list_tasks(limit=100) if t.task_id == task.task_id]
    assert "top-secret" not in json.dumps(listed)


def test_a_redacted_view_sent_back_keeps_the_secret(pulse: PulseClient, target: HttpTarget) -> None:
    task = pulse.schedule_http(
        f"{target.url}/later", when="in 1 hour", headers={"Cookie": "s=1", "Authorization": "B x"}
    )
    shown = task.get_details()["params"]
    assert shown["headers"] == {"Cookie": "[redacted]", "Authorization": "[redacted]"}
    pulse.update_task(task.task_id, params={**shown, "method": "PUT"})
    pulse.trigger_task(task.task_id)
    assert task.wait(timeout=30)["status"] == "completed"
    [seen] = target.received
    assert (seen.method, seen.headers["cookie"], seen.headers["authorization"]) == (
        "PUT",
        "s=1",
        "B x",
    )
    task.cancel()


def test_500_fails_with_status_and_excerpt_after_retries(
    pulse: PulseClient, target: HttpTarget
) -> None:
    task = pulse.schedule_http(f"{target.url}/status/500", retry=FAST_RETRY)
    result = task.wait(timeout=30)
    assert result["status"] == "failed"
    assert "HTTPStatus" in result["error"]
    assert "HTTP 500" in result["error"]
    assert "answer of status 500" in result["error"]
    history = task.get_history()
    assert sorted(run["attempt"] for run in history) == [1, 2, 3]
    keys = [r.headers["idempotency-key"] for r in target.received]
    assert sorted(keys) == sorted(run["run_id"] for run in history)


def test_404_is_not_retried(pulse: PulseClient, target: HttpTarget) -> None:
    task = pulse.schedule_http(f"{target.url}/status/404", method="GET", retry=FAST_RETRY)
    assert task.wait(timeout=30)["status"] == "failed"
    assert [run["attempt"] for run in task.get_history()] == [1]


def test_connection_refused_is_retried_with_attempts_in_history(pulse: PulseClient) -> None:
    task = pulse.schedule_http(f"http://127.0.0.1:{free_port()}/gone", retry=FAST_RETRY)
    result = task.wait(timeout=60)
    assert result["status"] == "failed"
    assert "connection refused" in result["error"]
    history = task.get_history()
    assert sorted(run["attempt"] for run in history) == [1, 2, 3]
    assert {run["error"]["type"] for run in history} == {"ConnectionError"}


def test_timeout_ends_the_run_and_is_retried(pulse: PulseClient, target: HttpTarget) -> None:
    task = pulse.schedule_http(
        f"{target.url}/slow", timeout=1, retry={"max_attempts": 2, "backoff": 0.05}
    )
    result = task.wait(timeout=60)
    assert result["status"] == "failed"
    history = task.get_history()
    assert [run["status"] for run in history] == ["timeout", "timeout"]


def test_response_over_the_cap_is_marked_truncated(pulse: PulseClient, target: HttpTarget) -> None:
    result = pulse.schedule_http(f"{target.url}/bytes/5000", method="GET").wait(timeout=30)
    assert result["result"]["truncated"] is True
    assert len(result["result"]["body"]) == 2048


def test_refused_urls_and_bad_fields_are_422(pulse: PulseClient) -> None:
    with pytest.raises(UnsafeURLError) as refused:
        pulse.schedule_http("http://169.254.169.254/latest/meta-data/iam/")
    assert "metadata" in str(refused.value)
    with pytest.raises(ValidationError) as bad:
        pulse.schedule_http("https://example.com/", method="BREW")
    assert "params.method" in str(bad.value)
    with pytest.raises(ValidationError) as header:
        pulse.schedule_http("https://example.com/", headers={"Idempotency-Key": "mine"})
    assert "Idempotency-Key" in str(header.value)


async def test_async_client_schedules_http(server: PulseServer, target: HttpTarget) -> None:
    async with AsyncPulseClient(server_url=server.url) as pulse:
        task = await pulse.schedule_http(f"{target.url}/a", method="DELETE")
        result = await task.wait(timeout=30)
    assert result["result"]["body"]["method"] == "DELETE"
