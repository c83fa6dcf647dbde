"""A real ``pulse serve`` with JSON logs: every line it writes is one JSON object, a run that
carries secrets leaves none of them in the log, and ``/metrics`` answers Prometheus' format."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.acceptance.server import PulseServer
from tests.support.waiting import wait_for

KEY = "observability-key-5f1c"
AGENT_SECRET = "Bearer agent-secret-93ad"
CALLBACK_SECRET = "whsec_c2VjcmV0LWNhbGxiYWNrLWtleS0xMjM0"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PulseServer]:
    srv = PulseServer(tmp_path, env={"PULSE_API_KEY": KEY, "PULSE_LOG_FORMAT": "json"})
    srv.start()
    yield srv
    srv.stop()


def test_json_logs_and_metrics_of_a_run_with_secrets(server: PulseServer) -> None:
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
        task = client.post(
            "/v1/tasks",
            json={
                "agent_id": "unreachable",
                "entrypoint_tag": "call",
                "executor_type": "http",
                "params": {
                    "url": "http://127.0.0.1:9/agent",
                    "headers": {"Authorization": AGENT_SECRET},
                },
                "callback_url": "http://127.0.0.1:9/results",
                "callback_secret": CALLBACK_SECRET,
                "retry": {"max_attempts": 1},
            },
        )
        assert task.status_code == 201, task.text
        task_id = task.json()["task_id"]

        def ended() -> bool:
            return client.get(f"/v1/tasks/{task_id}/result").json()["status"] == "failed"

        wait_for(ended, 30, "the run to fail")

        def tried_callback() -> bool:
            run_id = client.get(f"/v1/tasks/{task_id}/result").json()["execution_id"]
            deliveries = client.get(f"/v1/runs/{run_id}/deliveries").json()["items"]
            return bool(deliveries) and deliveries[0]["attempt_count"] >= 1

        wait_for(tried_callback, 30, "a first callback attempt")
        run_id = client.get(f"/v1/tasks/{task_id}/result").json()["execution_id"]
        metrics = client.get("/metrics")
    assert metrics.status_code == 200
    families = {f.name for f in text_string_to_metric_families(metrics.text)}
    assert {"pulse_runs_finished", "pulse_run_start_lag_seconds"} <= families

    server.stop()
    log = server.log()
    lines = [line for line in log.splitlines() if line.strip()]
    assert lines
    records = [json.loads(line) for line in lines]  # every line, uvicorn's too, is JSON
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    by_action = {r.get("action"): r for r in records}
    failed = by_action["run_failed"]
    assert (failed["run_id"], failed["task_id"], failed["executor"]) == (run_id, task_id, "http")
    assert failed["level"] == "warning"
    callback = by_action["delivery_attempt_failed"]
    assert (callback["run_id"], callback["task_id"], callback["attempt"]) == (run_id, task_id, 1)
    for secret in (KEY, AGENT_SECRET, CALLBACK_SECRET.removeprefix("whsec_")):
        assert secret not in log
