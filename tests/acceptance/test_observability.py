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
        metrics = client.get("/metrics")
    assert metrics.status_code == 200
    families = {f.name for f in text_string_to_metric_families(metrics.text)}
    assert {"pulse_runs_finished", "pulse_run_start_lag_seconds"} <= families

    server.stop()
    log = server.log()
    lines = [line for line in log.splitlines() if line.strip()]
    assert lines
    for line in lines:
        record = json.loads(line)  # every line, uvicorn's included, is one JSON object
        assert {"time", "level", "logger", "message"} <= set(record)
    for secret in (KEY, AGENT_SECRET, CALLBACK_SECRET.removeprefix("whsec_")):
        assert secret not in log
