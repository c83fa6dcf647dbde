"""Run ``pulse`` in-process against a fake server (an ``httpx.MockTransport``)."""

from __future__ import annotations

from typing import Any

from typer.testing import CliRunner, Result

from runagent_pulse.cli import app
from tests.unit.client import client_fakes

reply = client_fakes.reply
api_error = client_fakes.api_error


def task_json(task_id: str = "tsk_1", **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "task_id": task_id,
        "name": None,
        "agent_id": "my_agent",
        "entrypoint_tag": "process",
        "executor_type": "local",
        "params": {"input": "[bold]hi[/bold]"},
        "metadata": {},
        "callback_url": None,
        "when": "every day at 9am",
        "timezone": "Europe/Paris",
        "repeat": None,
        "schedule": {
            "kind": "cron",
            "description": "every day at 09:00 (Europe/Paris)",
            "timezone": "Europe/Paris",
            "next_runs": ["2026-11-23T08:00:00Z"],
        },
        "status": "active",
        "activity": "idle",
        "next_run_at": "2026-11-23T08:00:00Z",
        "last_run_at": None,
        "timeout_seconds": 600.0,
        "retry": {"max_attempts": 3, "backoff_seconds": 2.0, "max_backoff_seconds": 300.0},
        "overlap": "allow",
        "catchup": "latest",
        "counters": {"runs": 0, "succeeded": 0, "failed": 0, "skipped": 0},
        "created_at": "2026-11-22T09:00:00Z",
    }
    data.update(fields)
    return data


def run_json(run_id: str = "run_1", **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "run_id": run_id,
        "execution_id": run_id,
        "task_id": "tsk_1",
        "scheduled_for": "2026-11-23T08:00:00Z",
        "attempt": 1,
        "trigger": "schedule",
        "status": "success",
        "started_at": "2026-11-23T08:00:00Z",
        "finished_at": "2026-11-23T08:00:01Z",
        "duration_ms": 1234,
        "result": {"ok": True},
        "error": None,
        "skip_reason": None,
        "executor": "local",
        "node": "host-1",
        "deployment_id": None,
    }
    data.update(fields)
    return data


class FakeServer(client_fakes.FakeServer):
    """The SDK tests' fake server, also recording how the CLI built its client."""

    def __init__(self) -> None:
        super().__init__()
        self.factory_calls: list[dict[str, Any]] = []


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    """Run ``pulse *args`` in-process on a 160-column terminal (tables fit; see docs/cli.md)."""
    environment = {"COLUMNS": "160", **(env or {})}
    return CliRunner().invoke(app, list(args), env=environment, catch_exceptions=False)
