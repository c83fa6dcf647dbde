"""Callback mode for real: ``pulse serve`` POSTs results to ``pulse webhook-handler``, also
across a ``kill -9`` of the server while deliveries are pending."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from runagent_pulse import PulseClient
from runagent_pulse.delivery import generate_secret
from tests.acceptance.server import PulseServer, WebhookHandler, free_port, wait_for

pytestmark = pytest.mark.slow

SECRET = generate_secret()
RETRIES = ",".join(["0"] + ["0.2s"] * 200)  # keep retrying quickly for the whole test
BOUND = 60.0


def pulse_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from runagent_pulse.cli import main; main()", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def processes() -> Iterator[list[PulseServer | WebhookHandler]]:
    """Every server and handler a test starts, stopped (by their own pid) afterwards."""
    started: list[PulseServer | WebhookHandler] = []
    yield started
    for process in reversed(started):
        process.stop()


def echo_task(client: PulseClient, callback_url: str, **params: object) -> str:
    task = client.schedule_agent(
        agent_id="echo",
        entrypoint_tag="run",
        when="now",
        params=params,
        executor_type="echo",
        callback_url=callback_url,
    )
    return str(task.task_id)


def test_result_reaches_the_webhook_handler_signed(
    tmp_path: Path, processes: list[PulseServer | WebhookHandler]
) -> None:
    results = tmp_path / "results"
    handler = WebhookHandler(results, port=free_port(), secret=SECRET)
    processes.append(handler.start())
    server = PulseServer(
        tmp_path, env={"PULSE_WEBHOOK_SECRET": SECRET, "PULSE_CALLBACK_RETRY_SCHEDULE": RETRIES}
    )
    processes.append(server)
    server.start()
    with PulseClient(server_url=server.url) as client:
        task_id = echo_task(client, handler.url, input="Hello")
        stored = results / f"{task_id}.json"
        wait_for(stored.exists, what=f"{stored} written")
        body = json.loads(stored.read_text())
        assert body["task_id"] == task_id
        assert body["status"] == "success"
        assert body["result"] == {"input": "Hello"}
        run_id = body["execution_id"]
        wait_for(
            lambda: client.get_deliveries(run_id)[0]["status"] == "delivered",
            what="delivery recorded",
        )
        [delivery] = client.get_deliveries(run_id)
        assert delivery["attempt_count"] == 1
        assert delivery["attempts"][0]["status_code"] == 200

    listed = pulse_cli("--server-url", server.url, "runs", "deliveries", run_id, "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)[0]["delivery_id"] == delivery["delivery_id"]
    again = pulse_cli("--server-url", server.url, "runs", "redeliver", run_id, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["status"] == "pending"
    shown = pulse_cli(
        "webhook", "secret", "--database-url", server.database_url,
        env={"PULSE_WEBHOOK_SECRET": SECRET},
    )  # fmt: skip
    assert (shown.returncode, shown.stdout.strip()) == (0, SECRET)


def test_generated_secret_is_shown_by_the_cli_and_used_to_sign(
    tmp_path: Path, processes: list[PulseServer | WebhookHandler]
) -> None:
    server = PulseServer(tmp_path, env={"PULSE_CALLBACK_RETRY_SCHEDULE": RETRIES})
    server.env.pop("PULSE_WEBHOOK_SECRET", None)
    env = {k: v for k, v in os.environ.items() if k != "PULSE_WEBHOOK_SECRET"}
    shown = subprocess.run(
        [sys.executable, "-c", "from runagent_pulse.cli import main; main()", "webhook",
         "secret", "--database-url", server.database_url],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    secret = shown.stdout.strip()
    assert secret.startswith("whsec_")
    handler = WebhookHandler(tmp_path / "results", port=free_port(), secret=secret)
    processes.append(handler.start())
    processes.append(server)
    server.start()
    with PulseClient(server_url=server.url) as client:
        task_id = echo_task(client, handler.url, n=1)
    # The handler verifies signatures: the file only appears if the server used that secret.
    wait_for((handler.results / f"{task_id}.json").exists, what="signed result stored")


def test_kill_9_with_pending_deliveries_then_every_result_arrives(
    tmp_path: Path, processes: list[PulseServer | WebhookHandler], db_url: str
) -> None:
    port = free_port()  # the handler's port: nothing listens there yet
    results = tmp_path / "results"
    env = {
        "PULSE_WEBHOOK_SECRET": SECRET,
        "PULSE_CALLBACK_RETRY_SCHEDULE": RETRIES,
        "PULSE_CALLBACK_TIMEOUT": "1s",
    }
    server = PulseServer(tmp_path, env=env, database_url=db_url)
    processes.append(server)
    server.start()
    url = f"http://127.0.0.1:{port}/results"
    with PulseClient(server_url=server.url) as client:
        task_ids = [echo_task(client, url, index=i) for i in range(20)]

        def all_tried() -> bool:
            runs = client.list_runs(limit=100)
            if len(runs) < len(task_ids) or any(r["status"] != "success" for r in runs):
                return False
            return all(
                d["status"] == "pending" and d["attempt_count"] >= 1
                for r in runs
                for d in client.get_deliveries(r["run_id"])
            )

        wait_for(all_tried, what="every delivery failed at least once")

    server.kill9()
    server.start()
    handler = WebhookHandler(results, port=port, secret=SECRET)
    processes.append(handler.start())
    for task_id in task_ids:
        wait_for((results / f"{task_id}.json").exists, what=f"result of {task_id}")
    with PulseClient(server_url=server.url) as client:
        for run in client.list_runs(limit=100):
            assert run["status"] == "success"
            assert run["result"]["index"] in range(20)
