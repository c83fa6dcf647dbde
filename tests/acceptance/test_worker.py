"""``pulse worker`` runs the engine without the API, beside a ``pulse serve`` on one database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from runagent_pulse import PulseClient
from tests.acceptance.server import PulseServer


def test_serve_and_worker_share_the_work_and_run_each_fire_once(tmp_path: Path) -> None:
    # A small concurrency cap leaves due runs for the worker to claim.
    server = PulseServer(tmp_path, env={"PULSE_MAX_CONCURRENT_RUNS": "10"}).start()
    worker = subprocess.Popen(
        [sys.executable, "-c", "from runagent_pulse.cli import main; main()", "worker"],
        env={**server.env, "PULSE_PORT": "1"},
        cwd=tmp_path,
        stdout=(tmp_path / "worker.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        with PulseClient(server_url=server.url) as pulse:
            due = datetime.now(UTC) + timedelta(seconds=2)
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
