"""``kill -9`` of ``pulse serve``: interrupted runs are recovered, due fires run exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from runagent_pulse import PulseClient
from tests.acceptance.server import PulseServer, wait_for


def test_kill_9_while_running_and_while_fires_are_due(tmp_path: Path, db_url: str) -> None:
    server = PulseServer(tmp_path, env={"PULSE_LEASE_DURATION": "2s"}, database_url=db_url)
    server.start()
    try:
        with PulseClient(server_url=server.url) as pulse:
            marker = tmp_path / "running.pid"
            interrupted = pulse.schedule_agent(
                agent_id="simple_agent",
                entrypoint_tag="started_then_sleep",
                params={"marker": str(marker), "seconds": 300},
                executor_type="local",
                retry={"max_attempts": 1},
            )
            marker2 = tmp_path / "retried.pid"
            retried = pulse.schedule_agent(
                agent_id="simple_agent",
                entrypoint_tag="started_then_sleep",
                params={"marker": str(marker2), "seconds": 300},
                executor_type="local",
                retry={"max_attempts": 2, "backoff": "1s"},
            )
            due = datetime.now(UTC) + timedelta(seconds=3)
            due_tasks = pulse.schedule_batch(
                [
                    {
                        "agent_id": "simple_agent",
                        "entrypoint_tag": "echo",
                        "when": due.isoformat(),
                        "executor_type": "local",
                        "params": {"n": n},
                    }
                    for n in range(20)
                ]
            )
            wait_for(lambda: marker.exists() and marker2.exists())

            def starts_recorded() -> bool:
                runs = [pulse.get_history(t.task_id)[0] for t in (interrupted, retried)]
                kinds = [{e["kind"] for e in pulse.get_run_events(r["run_id"])} for r in runs]
                return all("agent_started" in k for k in kinds)

            wait_for(starts_recorded, what="both agents' starts written")
        server.kill9()
        wait_for(lambda: datetime.now(UTC) > due + timedelta(seconds=1))  # fires due while down
        server.start()
        with PulseClient(server_url=server.url) as pulse:
            wait_for(lambda: pulse.get_task_result(interrupted.task_id)["status"] == "failed")
            [run] = pulse.get_history(interrupted.task_id)
            assert run["status"] == "failed"
            assert run["error"]["type"] == "LeaseExpired"
            wait_for(lambda: len(pulse.get_history(retried.task_id)) == 2)
            attempts = sorted(pulse.get_history(retried.task_id), key=lambda r: r["attempt"])
            assert [(r["attempt"], r["trigger"]) for r in attempts] == [
                (1, "schedule"),
                (2, "retry"),
            ]
            assert attempts[0]["status"] == "failed"
            for task in due_tasks:
                wait_for(lambda t=task: pulse.get_task_result(t.task_id)["status"] == "completed")
                history = pulse.get_history(task.task_id)
                assert [(r["status"], r["attempt"]) for r in history] == [("success", 1)]
            pulse.cancel_task(retried.task_id)
            running = [r for r in pulse.list_runs(status="running")]
            assert all(r["task_id"] != interrupted.task_id for r in running)
    finally:
        server.stop()


def test_runs_waiting_for_a_worker_at_a_kill_9_run_again_without_using_an_attempt(
    tmp_path: Path, db_url: str
) -> None:
    """Two workers, two agents holding them, six more runs claimed and waiting for a worker:
    after ``kill -9`` only the two that had started end ``LeaseExpired``; the six waiting ones
    run again as attempt 1 (docs/guarantees.md, "claimed but never started")."""
    server = PulseServer(
        tmp_path,
        env={"PULSE_LEASE_DURATION": "2s", "PULSE_LOCAL_WORKERS": "2"},
        database_url=db_url,
    )
    server.start()
    try:
        with PulseClient(server_url=server.url) as pulse:
            markers = [tmp_path / f"holding-{n}.pid" for n in range(2)]
            holders = [
                pulse.schedule_agent(
                    agent_id="simple_agent",
                    entrypoint_tag="started_then_sleep",
                    params={"marker": str(marker), "seconds": 300},
                    executor_type="local",
                    retry={"max_attempts": 1},
                )
                for marker in markers
            ]
            wait_for(lambda: all(m.exists() for m in markers), what="both workers busy")
            waiting = [
                pulse.schedule_agent(
                    agent_id="simple_agent",
                    entrypoint_tag="echo",
                    params={"n": n},
                    executor_type="local",
                    retry={"max_attempts": 3},
                )
                for n in range(6)
            ]

            def claimed_and_started_recorded() -> bool:
                runs = [pulse.get_history(t.task_id) for t in (*holders, *waiting)]
                if not all(r and r[0]["status"] == "running" for r in runs):
                    return False
                kinds = [
                    {e["kind"] for e in pulse.get_run_events(r[0]["run_id"])} for r in runs[:2]
                ]
                return all("agent_started" in k for k in kinds)

            wait_for(claimed_and_started_recorded, what="all claimed, the holders' starts written")
        server.kill9()
        server.start()
        with PulseClient(server_url=server.url) as pulse:
            for task in waiting:
                wait_for(lambda t=task: pulse.get_task_result(t.task_id)["status"] == "completed")
                history = pulse.get_history(task.task_id)
                assert [(r["status"], r["attempt"]) for r in history] == [("success", 1)]
            for task in holders:
                wait_for(lambda t=task: pulse.get_task_result(t.task_id)["status"] == "failed")
                [run] = pulse.get_history(task.task_id)
                assert run["error"]["type"] == "LeaseExpired"
    finally:
        server.stop()
