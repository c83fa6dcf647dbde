"""Chaos on one PostgreSQL database: a ``pulse serve`` and three ``pulse worker`` processes run
1,000 tasks firing every second for 30 s while one worker is ``kill -9``'d (and restarted) and
another is SIGTERM'd. Afterwards the database must show every fire accounted for, once."""

from __future__ import annotations

import itertools
import os
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.acceptance.server import PulseServer, PulseWorker
from tests.support.postgres import pg_query
from tests.support.waiting import percentile, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(240)]

TASKS = 1_000
FIRES = 30  # one a second per task
LEASE = timedelta(seconds=4)
NODE_ENV = {
    "PULSE_LEASE_DURATION": f"{LEASE.total_seconds():g}s",
    "PULSE_SHUTDOWN_GRACE": "5s",
}


def successes(url: str) -> int:
    return int(pg_query(url, "SELECT count(*) FROM runs WHERE status = 'success'")[0][0])


def unfinished(url: str) -> int:
    return int(
        pg_query(url, "SELECT count(*) FROM runs WHERE status IN ('scheduled', 'running')")[0][0]
    )


def running_on(url: str, node: str) -> int:
    query = "SELECT count(*) FROM runs WHERE status = 'running' AND lease_owner = $1"
    return int(pg_query(url, query, node)[0][0])


def freeze_with_runs_in_flight(worker: PulseWorker, url: str, node: str) -> None:
    """Stop ``worker`` (SIGSTOP) at a moment it holds running runs, so a kill loses them."""

    def frozen_holding_runs() -> bool:
        if running_on(url, node) == 0:
            return False
        os.killpg(worker.pid, signal.SIGSTOP)
        if running_on(url, node) >= 5:
            return True
        os.killpg(worker.pid, signal.SIGCONT)
        return False

    wait_for(frozen_holding_runs, 30, f"{node} running runs")


def node_of(server: PulseServer, worker: PulseWorker) -> str:
    (node,) = [n["node_id"] for n in server.nodes() if n["pid"] == worker.pid]
    return str(node)


def create_tasks(server: PulseServer, first: datetime) -> None:
    task = {
        "agent_id": "chaos",
        "entrypoint_tag": "echo",
        "executor_type": "echo",
        "params": {"sleep": 0.2},
        "when": first.isoformat(),
        "repeat": {
            "interval": "1s",
            "until": (first + timedelta(seconds=FIRES - 0.5)).isoformat(),
        },
        "retry": {"max_attempts": 3, "backoff": "1s"},
    }
    response = httpx.post(
        f"{server.url}/v1/tasks/batch", json={"tasks": [task] * TASKS}, timeout=60
    )
    response.raise_for_status()


def fire_outcomes(url: str) -> dict[tuple[str, datetime], list[tuple[Any, ...]]]:
    """Every run, grouped by fire, in attempt order."""
    rows = pg_query(
        url,
        "SELECT task_id, scheduled_for, attempt, status, skip_reason, error_type, "
        "error_message, node, started_at, finished_at FROM runs ORDER BY attempt",
    )
    fires: dict[tuple[str, datetime], list[tuple[Any, ...]]] = {}
    for row in rows:
        fires.setdefault((row[0], row[1]), []).append(row)
    return fires


def test_kill_9_and_sigterm_under_1000_fires_a_second(tmp_path: Path, postgres_url: str) -> None:
    server = PulseServer(tmp_path, env=NODE_ENV, database_url=postgres_url).start()
    workers = [PulseWorker(server, f"worker-{i}") for i in range(3)]
    restarted = PulseWorker(server, "worker-0-restarted")
    try:
        for worker in workers:
            worker.start()
        first = datetime.now(UTC) + timedelta(seconds=4)
        create_tasks(server, first)
        assert datetime.now(UTC) < first, "creating the tasks took longer than their lead"

        # Polled slowly: every query is a connection and a count, CPU the nodes need.
        wait_for(lambda: successes(postgres_url) >= TASKS * 8, 60, "a third ran", interval=0.5)
        killed = node_of(server, workers[0])
        freeze_with_runs_in_flight(workers[0], postgres_url, killed)
        killed_at = datetime.now(UTC)
        workers[0].kill9()
        restarted.start()

        wait_for(lambda: successes(postgres_url) >= TASKS * 18, 60, "two thirds", interval=0.5)
        stopped = node_of(server, workers[1])
        workers[1].stop()

        wait_for(lambda: unfinished(postgres_url) == 0, 90, "every fire ended", interval=0.5)
        fires = fire_outcomes(postgres_url)
    finally:
        for worker in [*workers, restarted]:
            worker.stop()
        server.stop()

    # Every fire of the window has exactly one first-attempt record (and no other fire has).
    expected = {first + timedelta(seconds=k) for k in range(FIRES)}
    per_task = Counter(task_id for task_id, _ in fires)
    assert len(per_task) == TASKS and set(per_task.values()) == {FIRES}
    assert {when for _, when in fires} == expected
    for runs in fires.values():
        assert [r[2] for r in runs] == list(range(1, len(runs) + 1)), runs
        # At most one successful attempt; nothing left running; a fire that did not succeed
        # says why.
        statuses = [r[3] for r in runs]
        assert statuses.count("success") <= 1, runs
        assert "running" not in statuses and "scheduled" not in statuses, runs
        last = runs[-1]
        if last[3] != "success":
            assert (last[3] == "skipped" and last[4]) or (last[3] != "skipped" and last[5]), runs

    # The killed node's runs were recovered by another node within the lease time, and retried.
    recovered = [
        runs for runs in fires.values() if runs[0][7] == killed and runs[0][3] != "success"
    ]
    assert recovered, "the killed worker had runs in flight"
    for runs in recovered:
        dead, retry = runs[0], runs[1]
        assert dead[3] == "failed" and dead[5] == "LeaseExpired", runs
        assert dead[9] - killed_at <= 2 * LEASE, runs
        assert retry[7] != killed and retry[3] == "success", runs

    # The SIGTERM'd node finished or released what it ran; others retried what it released.
    for runs in fires.values():
        for run, after in itertools.pairwise(runs):
            if run[7] == stopped and run[5] == "Interrupted":
                assert after[7] != stopped

    # No node hit a deadlock or an error (claims and completions lock tasks in one order).
    for process in [server, *workers, restarted]:
        assert " ERROR " not in process.log(), process.log()[-4000:]

    statuses = Counter(runs[-1][3] for runs in fires.values())
    lags = sorted((runs[0][8] - runs[0][1]).total_seconds() * 1000 for runs in fires.values())
    detected = max((runs[0][9] - killed_at).total_seconds() for runs in recovered)
    print(
        f"\nchaos: {sum(statuses.values())} fires, last attempts {dict(statuses)}; "
        f"{len(recovered)} runs of the killed node recovered, the last {detected:.1f} s after "
        f"the kill (lease {LEASE.total_seconds():g} s); due → start lag of first attempts "
        f"p50 {percentile(lags, 50):.0f} ms, p99 {percentile(lags, 99):.0f} ms, "
        f"max {lags[-1]:.0f} ms"
    )
