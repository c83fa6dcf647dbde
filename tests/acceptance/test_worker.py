"""``pulse worker`` runs the engine without the API, beside a ``pulse serve`` on one PostgreSQL
database (a SQLite database serves one node: ``test_startup_config`` shows the refusal)."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from runagent_pulse import PulseClient
from tests.acceptance.server import PulseServer, PulseWorker
from tests.support.processes import PULSE_CLI
from tests.support.waiting import wait_for

pytestmark = pytest.mark.postgres


def test_two_nodes_racing_on_the_same_due_runs_never_run_one_twice(
    tmp_path: Path, postgres_url: str
) -> None:
    # A small concurrency cap on both nodes: each claims in small batches while the rest
    # stay due, so the two race for the same runs again and again.
    server = PulseServer(
        tmp_path, env={"PULSE_MAX_CONCURRENT_RUNS": "10"}, database_url=postgres_url
    ).start()
    worker = PulseWorker(server)
    executions = tmp_path / "executions"
    executions.mkdir()
    try:
        worker.start()
        with PulseClient(server_url=server.url) as pulse:
            due = datetime.now(UTC) + timedelta(seconds=2)
            tasks = pulse.schedule_batch(
                [
                    {
                        "agent_id": "run_counter",
                        "entrypoint_tag": "count",
                        "executor_type": "local",
                        "when": due.isoformat(),
                        "params": {"directory": str(executions)},
                        "retry": {"max_attempts": 1},
                    }
                    for _ in range(200)
                ]
            )

            def all_ended() -> bool:
                assert worker.returncode() is None, worker.log()
                return not pulse.list_runs(status="scheduled", limit=1) and not pulse.list_runs(
                    status="running", limit=1
                )

            wait_for(all_ended, 60, "every fire ran")
            runs = pulse.list_runs(limit=None)
    finally:
        worker.stop()
        server.stop()
    # One run per fire, each executed exactly once (a second execution would have left an
    # ``.again-…`` file), by both nodes between them.
    assert sorted(r["task_id"] for r in runs) == sorted(t.task_id for t in tasks)
    assert [r for r in runs if r["status"] != "success"] == []
    assert sorted(path.name for path in executions.iterdir()) == sorted(r["run_id"] for r in runs)
    nodes = {r["node"] for r in runs}
    assert len(nodes) == 2, f"both nodes should have claimed runs: {nodes}"


def test_nodes_and_run_events_through_the_sdk_and_cli(tmp_path: Path, postgres_url: str) -> None:
    server = PulseServer(tmp_path, database_url=postgres_url).start()
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
