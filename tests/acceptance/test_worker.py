"""``pulse worker`` runs the engine without the API, beside a ``pulse serve`` on one database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from runagent_pulse import PulseClient
from runagent_pulse.testing import PULSE_CLI, wait_for
from tests.acceptance.server import PulseServer


def start_worker(server: PulseServer, cwd: Path) -> subprocess.Popen[bytes]:
    """``pulse worker`` on the server's database, in its own process group."""
    return subprocess.Popen(
        [*PULSE_CLI, "worker"],
        env=server.env,
        cwd=cwd,
        stdout=(cwd / "worker.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def alive_roles(pulse: PulseClient) -> list[str]:
    return sorted(n["role"] for n in pulse.list_nodes() if n["alive"])


def test_serve_and_worker_share_the_work_and_run_each_fire_once(tmp_path: Path) -> None:
    # A small concurrency cap leaves due runs for the worker to claim.
    server = PulseServer(tmp_path, env={"PULSE_MAX_CONCURRENT_RUNS": "10"}).start()
    worker = start_worker(server, tmp_path)
    try:
        with PulseClient(server_url=server.url) as pulse:
            wait_for(lambda: alive_roles(pulse) == ["serve", "worker"], what="the worker is up")
            # Due after the worker's next look (the dispatcher's 5 s safety cap on SQLite,
            # which has no cross-node wake-ups), so both nodes are awake when the fires fall due.
            due = datetime.now(UTC) + timedelta(seconds=7)
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
                assert worker.poll() is None, (tmp_path / "worker.log").read_text()
                time.sleep(0.1)
            runs = pulse.list_runs(limit=None)
            assert len(runs) == len(tasks)
            assert {r["task_id"] for r in runs} == {t.task_id for t in tasks}
            nodes = {r["node"] for r in runs}
            assert len(nodes) == 2, f"both nodes should have claimed runs: {nodes}"
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=20)
        server.stop()


def test_nodes_and_run_events_through_the_sdk_and_cli(tmp_path: Path) -> None:
    server = PulseServer(tmp_path).start()
    worker = start_worker(server, tmp_path)
    try:
        with PulseClient(server_url=server.url) as pulse:
            wait_for(
                lambda: alive_roles(pulse) == ["serve", "worker"], what="both nodes registered"
            )
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

            os.killpg(worker.pid, signal.SIGTERM)
            assert worker.wait(timeout=40) == 0
            worker_states = [n["state"] for n in pulse.list_nodes() if n["role"] == "worker"]
            assert worker_states == ["stopped"]
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        server.stop()
