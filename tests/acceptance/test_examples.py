"""The examples run against a real server (and a real webhook handler or HTTP agent)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from runagent_pulse import PulseClient
from tests.acceptance.server import PulseServer, WebhookHandler, wait_for
from tests.support.http_target import HttpTarget

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "examples"


@pytest.fixture
def example_server(tmp_path: Path) -> Iterator[PulseServer]:
    srv = PulseServer(tmp_path, env={"LOCAL_AGENT_PATH": str(EXAMPLES / "agents")})
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def webhook_handler(tmp_path: Path) -> Iterator[WebhookHandler]:
    handler = WebhookHandler(tmp_path / "webhook-results", secret=None).start()
    yield handler
    handler.stop()


def run_example(name: str, env: dict[str, str]) -> str:
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def test_callback_example_delivers_to_the_webhook_handler(
    example_server: PulseServer, webhook_handler: WebhookHandler
) -> None:
    callback_url, results = webhook_handler.url, webhook_handler.results
    out = run_example(
        "schedule_agent_example.py",
        {"PULSE_SERVER_URL": example_server.url, "PULSE_CALLBACK_URL": callback_url},
    )
    assert "Status: completed" in out
    task_id = out.split("Task ID: ")[1].split()[0]
    stored = results / f"{task_id}.json"
    wait_for(stored.exists, what="the result file")
    payload = json.loads(stored.read_text())
    assert payload["status"] == "success"
    assert payload["result"] == "Processed: Hello, world! for developer"


def test_polling_example_prints_the_result(example_server: PulseServer) -> None:
    out = run_example(
        "schedule_and_poll_example.py",
        {"PULSE_SERVER_URL": example_server.url, "PULSE_EXAMPLE_WHEN": "in 2 seconds"},
    )
    assert "Result: Processed: Hello for developer" in out


def test_local_agent_example_runs_three_times(example_server: PulseServer) -> None:
    out = run_example("schedule_local_agent_example.py", {"PULSE_SERVER_URL": example_server.url})
    assert "First result: Processed: Hello for developer" in out
    assert out.count(": success -> Processed: Hello for developer") == 3


def test_http_example_calls_the_agent_with_the_run_id(example_server: PulseServer) -> None:
    target = HttpTarget().start()
    try:
        out = run_example(
            "schedule_http_example.py",
            {"PULSE_SERVER_URL": example_server.url, "PULSE_HTTP_URL": f"{target.url}/run"},
        )
    finally:
        target.stop()
    assert "'Authorization': '[redacted]', 'X-Team': 'support'" in out
    assert "HTTP 200" in out
    [seen] = target.received
    assert f"(run {seen.headers['idempotency-key']})" in out
    assert seen.headers["authorization"] == "Bearer example-token"
    assert json.loads(seen.body) == {"prompt": "Summarise today's tickets"}


MARKETING_TEAM = [
    {"name": "boss", "role": "leader", "module": "marketing", "entrypoint": "lead"},
    {"name": "researcher", "role": "member", "module": "marketing", "entrypoint": "research"},
    {"name": "writer", "role": "member", "module": "marketing", "entrypoint": "write"},
]


def test_the_example_marketing_team_answers_with_its_report(example_server: PulseServer) -> None:
    """examples/agents/marketing.py is the team the README and docs/teams.md define."""
    with PulseClient(server_url=example_server.url) as pulse:
        pulse.create_team("marketing", MARKETING_TEAM)
        task = pulse.schedule_team("marketing", "Write the weekly report", when="every monday at 9")
        run = pulse.wait_run(task.trigger()["run_id"], timeout=60)
        conversation = pulse.get_conversation(run["run_id"])
    assert run["status"] == "success", run
    assert run["result"]["report"].startswith("Weekly report (writer): three facts about")
    hops = [(m["from"], m["to"]) for m in conversation["messages"]]
    assert hops == [
        ("pulse", "boss"),
        ("boss", "researcher"),
        ("researcher", "boss"),
        ("boss", "writer"),
        ("writer", "boss"),
        ("boss", "pulse"),
    ]
