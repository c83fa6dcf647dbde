"""``PulseClient`` / ``PulseTask``: a blocking façade over the async client, usable anywhere."""

from __future__ import annotations

import inspect

import pytest

from runagent_pulse.client import (
    AsyncPulseClient,
    AsyncPulseTask,
    PulseClient,
    PulseError,
    PulseTask,
    TaskNotFoundError,
)
from runagent_pulse.client._sync import PulseClient as SyncClientClass
from tests.unit.client.client_fakes import FakeServer, reply, run_json, task_json


def _public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in inspect.getmembers(cls, callable)
        if not name.startswith("_") and name not in {"close", "aclose"}
    }


@pytest.mark.parametrize(
    ("sync_cls", "async_cls"),
    [(PulseClient, AsyncPulseClient), (PulseTask, AsyncPulseTask)],
    ids=["client", "task"],
)
def test_every_async_method_has_a_sync_twin_with_the_same_parameters(
    sync_cls: type, async_cls: type
) -> None:
    sync_methods, async_methods = _public_methods(sync_cls), _public_methods(async_cls)
    assert set(sync_methods) == set(async_methods)
    for name, signature in async_methods.items():
        assert list(sync_methods[name].parameters) == list(signature.parameters), name


def test_sync_client_outside_an_event_loop(server: FakeServer) -> None:
    server.on("POST", "/v1/tasks", reply(201, task_json()))
    server.on("POST", "/v1/tasks/tsk_1/pause", reply(200, task_json(status="paused")))
    server.on(
        "GET", "/v1/tasks/tsk_1/runs", reply(200, {"items": [run_json()], "next_cursor": None})
    )
    server.on(
        "GET",
        "/v1/tasks/tsk_1/result",
        reply(200, {"status": "completed", "result": 1, "execution_id": "run_1", "error": None}),
    )
    with PulseClient(
        server_url="http://pulse.test", api_key="k", transport=server.transport
    ) as pulse:
        task = pulse.schedule_agent("my_agent", "process", when="in 5 minutes")
        assert isinstance(task, PulseTask)
        assert task.task_id == "tsk_1"
        assert task.pause()["status"] == "paused"
        assert task.status == "paused"  # the handle's data was refreshed
        assert [run["run_id"] for run in task.get_history()] == ["run_1"]
        assert pulse.get_task_result("tsk_1")["status"] == "completed"
        assert task.wait(poll_interval=0)["result"] == 1
    assert server.last.headers["Authorization"] == "Bearer k"


async def test_sync_client_inside_a_running_event_loop(server: FakeServer) -> None:
    """As in Jupyter: an event loop is running in this thread and the sync API still works."""
    server.on("GET", "/v1/tasks/tsk_1", reply(200, task_json()))
    server.on("GET", "/v1/tasks", reply(200, {"items": [task_json("tsk_2")], "next_cursor": None}))
    with PulseClient(transport=server.transport) as pulse:
        assert pulse.get_task("tsk_1").get_details()["task_id"] == "tsk_1"
        assert [task.task_id for task in pulse.list_tasks()] == ["tsk_2"]
        assert [task.task_id for task in pulse.iter_tasks()] == ["tsk_2"]


def test_errors_cross_the_thread_unchanged(server: FakeServer) -> None:
    with PulseClient(transport=server.transport) as pulse:
        server.on(
            "GET",
            "/v1/tasks/nope",
            reply(404, {"error": {"code": "task_not_found", "message": "No task 'nope'."}}),
        )
        with pytest.raises(TaskNotFoundError, match="nope"):
            pulse.get_task("nope")


def test_a_closed_client_refuses_calls_and_close_is_idempotent(server: FakeServer) -> None:
    pulse = PulseClient(transport=server.transport)
    pulse.close()
    pulse.close()
    with pytest.raises(PulseError, match="closed"):
        pulse.health()


def test_iterating_part_of_a_list_closes_the_iterator(server: FakeServer) -> None:
    page = {"items": [run_json("run_2"), run_json("run_1")], "next_cursor": "more"}
    server.on("GET", "/v1/runs", reply(200, page))
    with PulseClient(transport=server.transport) as pulse:
        runs = pulse.iter_runs()
        assert next(runs)["run_id"] == "run_2"
        runs.close()
        assert len(server.requests) == 1


def test_sync_methods_show_sync_return_types() -> None:
    assert inspect.signature(SyncClientClass.get_task).return_annotation == "PulseTask"
    assert inspect.signature(SyncClientClass.list_tasks).return_annotation == "list[PulseTask]"


@pytest.fixture
def pulse_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_SERVER_URL", "http://pulse.internal:9000/")
    monkeypatch.setenv("PULSE_API_KEY", "env-key")


@pytest.mark.usefixtures("pulse_environment")
def test_the_sync_client_reads_server_and_key_from_the_environment() -> None:
    with PulseClient() as client:
        assert client.server_url == "http://pulse.internal:9000"
        assert client._async._http.headers["authorization"] == "Bearer env-key"
    with PulseClient(server_url="http://other:1", api_key="given") as explicit:
        assert explicit.server_url == "http://other:1"
        assert explicit._async._http.headers["authorization"] == "Bearer given"


@pytest.mark.usefixtures("pulse_environment")
async def test_the_async_client_reads_server_and_key_from_the_environment() -> None:
    async with AsyncPulseClient() as client:
        assert client.server_url == "http://pulse.internal:9000"
        assert client._http.headers["authorization"] == "Bearer env-key"


def test_without_environment_the_defaults_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PULSE_SERVER_URL", raising=False)
    monkeypatch.delenv("PULSE_API_KEY", raising=False)
    with PulseClient() as client:
        assert client.server_url == "http://localhost:8000"
        assert "authorization" not in client._async._http.headers
