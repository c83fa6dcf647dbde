"""The user guide's flow: the SDK against a real ``pulse serve`` subprocess."""

from __future__ import annotations

import json
from datetime import datetime

import httpx

from runagent_pulse import PulseClient
from tests.acceptance.server import PulseServer, wait_for


def test_local_agent_now_completes_with_its_result(pulse: PulseClient) -> None:
    task = pulse.schedule_agent(
        agent_id="simple_agent",
        entrypoint_tag="process",
        when="now",
        params={"input": "Hello"},
        executor_type="local",
    )
    result = task.wait(timeout=20)
    assert result["status"] == "completed"
    assert result["result"] == "Processed: Hello for dev"
    assert result["execution_id"].startswith("run_")
    assert pulse.get_task_result(task.task_id)["status"] == "completed"
    assert task.get_details()["status"] == "completed"


def test_guide_package_form_and_framework_objects(pulse: PulseClient) -> None:
    package = pulse.schedule_agent(
        agent_id="pkg_agent",
        entrypoint_tag="process",
        params={"input": "x"},
        executor_type="local",
    )
    graph = pulse.schedule_agent(
        agent_id="framework_agents",
        entrypoint_tag="graph",
        params={"input": {"message": "Hello"}},
        executor_type="local",
    )
    assert package.wait(timeout=20)["result"] == "Package processed: x for dev"
    assert graph.wait(timeout=20)["result"] == {"message": "Hello", "via": "ainvoke"}


def test_in_two_seconds_is_pending_then_runs_no_earlier_than_due(pulse: PulseClient) -> None:
    task = pulse.schedule_agent(
        agent_id="simple_agent",
        entrypoint_tag="echo",
        when="in 2 seconds",
        params={"n": 1},
        executor_type="local",
    )
    assert pulse.get_task_result(task.task_id)["status"] == "pending"
    due = datetime.fromisoformat(task.data["next_run_at"].replace("Z", "+00:00"))
    result = task.wait(timeout=20)
    assert result["status"] == "completed"
    started = datetime.fromisoformat(result["run"]["started_at"].replace("Z", "+00:00"))
    assert started >= due


def test_repeat_three_times_then_completed(pulse: PulseClient) -> None:
    task = pulse.schedule_agent(
        agent_id="simple_agent",
        entrypoint_tag="echo",
        when="now",
        repeat={"interval": "1s", "times": 3},
        executor_type="local",
    )
    wait_for(lambda: task.get_details()["status"] == "completed")
    history = task.get_history()
    assert [run["status"] for run in history] == ["success"] * 3
    assert len({run["scheduled_for"] for run in history}) == 3


def test_pause_resume_cancel_and_trigger(pulse: PulseClient) -> None:
    task = pulse.schedule_agent(
        agent_id="simple_agent",
        entrypoint_tag="echo",
        when="every 1 second",
        executor_type="local",
    )
    wait_for(lambda: any(r["status"] == "success" for r in task.get_history()))
    task.pause(note="rotating the agent's key")
    runs_at_pause = [r for r in task.get_history() if r["status"] != "scheduled"]
    paused_details = task.get_details()
    assert paused_details["status"] == "paused"
    assert paused_details["pause_note"] == "rotating the agent's key"
    # While paused, a due fire does not run: watch past the next due instant.
    next_due = datetime.fromisoformat(paused_details["next_run_at"].replace("Z", "+00:00"))
    wait_for(lambda: datetime.now(next_due.tzinfo) > next_due, bound=5)
    time_after_due = [r for r in task.get_history() if r["status"] != "scheduled"]
    assert len(time_after_due) == len(runs_at_pause)
    task.resume()
    assert task.get_details()["status"] == "active"
    wait_for(
        lambda: (
            len([r for r in task.get_history() if r["status"] == "success"]) > len(runs_at_pause)
        )
    )
    run = task.trigger()
    assert run["trigger"] == "manual"
    wait_for(
        lambda: any(
            r["trigger"] == "manual" and r["status"] == "success" for r in task.get_history()
        )
    )
    task.cancel()
    assert task.get_details()["status"] == "cancelled"


def test_failed_agent_reports_failed_with_the_error(pulse: PulseClient) -> None:
    task = pulse.schedule_agent(
        agent_id="simple_agent",
        entrypoint_tag="raise_error",
        params={"message": "bad day"},
        executor_type="local",
        retry={"max_attempts": 1},
    )
    result = task.wait(timeout=20)
    assert result["status"] == "failed"
    assert "ValueError" in result["error"] and "bad day" in result["error"]


def test_timeout_ends_the_run_and_kills_the_process(pulse: PulseClient, tmp_path) -> None:
    import psutil

    marker = tmp_path / "pid"
    task = pulse.schedule_agent(
        agent_id="simple_agent",
        entrypoint_tag="started_then_sleep",
        params={"marker": str(marker), "seconds": 60},
        executor_type="local",
        timeout=1,
        retry={"max_attempts": 1},
    )
    wait_for(marker.exists)
    pid = int(marker.read_text())
    result = task.wait(timeout=10)
    assert result["status"] == "failed"
    run = result["run"]
    assert run["status"] == "timeout"
    started = datetime.fromisoformat(run["started_at"].replace("Z", "+00:00"))
    finished = datetime.fromisoformat(run["finished_at"].replace("Z", "+00:00"))
    assert (finished - started).total_seconds() < 1 + 2
    wait_for(lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie", 5)


JSON_RESULTS = [
    42,
    -7,
    0,
    1.5,
    0.1,
    123456789.12345679,
    1e300,
    2**63 + 1,
    2**64 - 1,
    -(2**63),
    "42",
    "",
    "true",
    True,
    False,
    None,
    "ünïcødé 𝄞 \u2028",
    [],
    {},
    [1, [2.5, None, "x"]],
    {"n": 2**64 - 1, "é": {"deep": [True, {"f": -0.5}]}},
]


def test_any_json_result_reads_back_exactly(server: PulseServer) -> None:
    """A local agent may return any JSON value; every read of its run gives it back exactly
    (a bare number used to make every read of the run a 500 on SQLite)."""
    tasks: dict[str, object] = {}
    for value in JSON_RESULTS:
        response = httpx.post(
            server.url + "/v1/tasks",
            json={
                "agent_id": "simple_agent",
                "entrypoint_tag": "identity",
                "executor_type": "local",
                "params": {"value": value},
            },
        )
        assert response.status_code == 201, response.text
        tasks[response.json()["task_id"]] = value

    def finished() -> bool:
        return all(
            httpx.get(f"{server.url}/v1/tasks/{task_id}").json()["status"] == "completed"
            for task_id in tasks
        )

    wait_for(finished, 30, "every identity task completed")
    listed = httpx.get(server.url + "/v1/runs", params={"limit": 200})
    assert listed.status_code == 200, listed.text
    results = {run["task_id"]: run["result"] for run in listed.json()["items"]}
    for task_id, value in tasks.items():
        runs = httpx.get(f"{server.url}/v1/tasks/{task_id}/runs")
        assert runs.status_code == 200, runs.text
        (run,) = runs.json()["items"]
        result = httpx.get(f"{server.url}/v1/tasks/{task_id}/result")
        assert result.status_code == 200, result.text
        one = httpx.get(f"{server.url}/v1/runs/{run['run_id']}")
        assert one.status_code == 200, one.text
        expected = json.dumps(value)
        for got in (results[task_id], run["result"], result.json()["result"], one.json()["result"]):
            assert json.dumps(got) == expected
