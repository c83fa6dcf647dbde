"""``pulse worker`` runs the engine without the API, beside a ``pulse serve`` on one database."""

from __future__ import annotations

import json
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from runagent_pulse import PulseClient
from runagent_pulse.testing import PULSE_CLI
from tests.acceptance.server import PulseServer, PulseWorker


def test_serve_and_worker_share_the_work_and_run_each_fire_once(
    tmp_path: Path, db_url: str
) -> None:
    # A small concurrency cap leaves due runs for the worker to claim.
    server = PulseServer(
        tmp_path, env={"PULSE_MAX_CONCURRENT_RUNS": "10"}, database_url=db_url
    ).start()
    worker = PulseWorker(server)
    try:
        worker.start()
        with PulseClient(server_url=server.url) as pulse:
            # On SQLite (no cross-node wake-ups) due after the worker's next look (the
            # dispatcher's 5 s safety cap), so both nodes are awake when the fires fall due.
            lead = 7 if server.database_url.startswith("sqlite") else 2
            due = datetime.now(UTC) + timedelta(seconds=lead)
            tasks = pulse.schedule_batch(
                [
                    {
                        "agent_id": "a",
                        "entrypoint_tag": "b",
                        "executor_type": "echo",
                        "when": due.isoformat(),
                        "params": {"sleep": 0.05},
                    }
                    for _ in range(200)
                ]
            )
            deadline = time.monotonic() + 60
            while len(pulse.list_runs(status="success", limit=None)) < len(tasks):
                assert time.monotonic() < deadline, "not every fire ran"
                assert worker.returncode() is None, worker.log()
                time.sleep(0.1)
            runs = pulse.list_runs(limit=None)
            assert len(runs) == len(tasks)
            assert {r["task_id"] for r in runs} == {t.task_id for t in tasks}
            nodes = {r["node"] for r in runs}
            assert len(nodes) == 2, f"both nodes should have claimed runs: {nodes}"
    finally:
        worker.stop()
        server.stop()


def test_nodes_and_run_events_through_the_sdk_and_cli(tmp_path: Path, db_url: str) -> None:
    server = PulseServer(tmp_path, database_url=db_url).start()
    worker = PulseWorker(server)
    try:
        worker.start()
        with PulseClient(server_url=server.url) as pulse:
            task = pulse.schedule_agent(
                agent_id="a", entrypoint_tag="b", executor_type="echo", params={"events": 3}
            )
            run = task.wait(timeout=30)["run"]
            events = pulse.get_run_events(run["run_id"])
            assert [(e["seq"], e["kind"], e["data"]) for e in events] == [
                (i + 1, "echo", {"i": i}) for i in range(3)
            ]
            cli = [*PULSE_CLI, "--server-url", server.url]
            shown = subprocess.run(
                [*cli, "runs", "events", run["run_id"]], capture_output=True, text=True, check=True
            )
            assert "echo" in shown.stdout and '{"i": 2}' in shown.stdout
            listed = subprocess.run(
                [*cli, "nodes", "--json"], capture_output=True, text=True, check=True
            )
            assert {n["role"] for n in json.loads(listed.stdout)} == {"serve", "worker"}

            process = worker.process
            worker.stop()
            assert process is not None and process.returncode == 0
            worker_states = [n["state"] for n in pulse.list_nodes() if n["role"] == "worker"]
            assert worker_states == ["stopped"]
    finally:
        worker.stop()
        server.stop()
