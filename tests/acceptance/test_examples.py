"""The guide's two examples run against a real server (and a real webhook handler)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.acceptance.server import PulseServer, free_port

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "examples"


@pytest.fixture
def example_server(tmp_path: Path) -> Iterator[PulseServer]:
    srv = PulseServer(tmp_path, env={"LOCAL_AGENT_PATH": str(EXAMPLES / "agents")})
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def webhook_handler(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    results = tmp_path / "webhook-results"
    env = {k: v for k, v in os.environ.items() if k != "PULSE_WEBHOOK_SECRET"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from runagent_pulse.cli import main; main()",
            "webhook-handler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--results-dir",
            str(results),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "webhook handler did not start"
                time.sleep(0.05)
        yield f"{url}/results", results
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


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
    example_server: PulseServer, webhook_handler: tuple[str, Path]
) -> None:
    callback_url, results = webhook_handler
    out = run_example(
        "schedule_agent_example.py",
        {"PULSE_SERVER_URL": example_server.url, "PULSE_CALLBACK_URL": callback_url},
    )
    assert "Status: completed" in out
    task_id = out.split("Task ID: ")[1].split()[0]
    stored = results / f"{task_id}.json"
    deadline = time.monotonic() + 30
    while not stored.exists():
        assert time.monotonic() < deadline, "the result file never appeared"
        time.sleep(0.05)
    payload = json.loads(stored.read_text())
    assert payload["status"] == "success"
    assert payload["result"] == "Processed: Hello, world! for developer"


def test_polling_example_prints_the_result(example_server: PulseServer) -> None:
    out = run_example(
        "schedule_and_poll_example.py",
        {"PULSE_SERVER_URL": example_server.url, "PULSE_EXAMPLE_WHEN": "in 2 seconds"},
    )
    assert "Result: Processed: Hello for developer" in out
