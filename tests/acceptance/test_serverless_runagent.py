"""A real ``pulse serve`` runs agents served by a real ``runagent serve``, through the SDK, the
CLI and the RunAgent example."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runagent_pulse import PulseClient
from tests.acceptance.server import PulseServer
from tests.acceptance.test_examples import run_example
from tests.support.processes import PULSE_CLI
from tests.support.runagent import RunagentServe, call_with_runagent_client

pytestmark = [pytest.mark.slow, pytest.mark.runagent, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseServer]:
    """``pulse serve`` with the serverless executor enabled and no RunAgent key."""
    srv = PulseServer(
        tmp_path_factory.mktemp("pulse"), env={"ENABLE_SERVERLESS_INTEGRATION": "true"}
    )
    srv.start()
    yield srv
    srv.stop()


def schedule(server: PulseServer, serve: RunagentServe, tag: str, **params: Any) -> Any:
    with PulseClient(server_url=server.url) as pulse:
        task = pulse.schedule_agent(
            agent_id=serve.agent_id,
            entrypoint_tag=tag,
            params=params,
            user_id="user123",
            persistent_memory=True,
            executor_type="serverless",
            agent_host=serve.host,
            agent_port=serve.port,
            retry={"max_attempts": 1},
        )
        result = task.wait(timeout=60)
        events = pulse.get_run_events(result["execution_id"])
    return task, result, events


def test_a_scheduled_run_returns_what_the_real_client_returns(
    server: PulseServer, runagent_serve: RunagentServe
) -> None:
    task, result, _ = schedule(server, runagent_serve, "echo", message="ab", times=2)
    assert task.data["agent_host"] == runagent_serve.host
    assert task.data["agent_port"] == runagent_serve.port
    assert result["status"] == "completed", result
    assert result["result"] == {"echo": "abab", "extra": {}}
    assert result["result"] == call_with_runagent_client(
        runagent_serve, "echo", {"message": "ab", "times": 2}
    )


def test_an_agent_exception_fails_the_run_with_its_message(
    server: PulseServer, runagent_serve: RunagentServe
) -> None:
    _, result, _ = schedule(server, runagent_serve, "fail", message="not today")
    assert result["status"] == "failed"
    assert result["run"]["error"]["type"] == "RunAgentAgentError"
    assert "agent refused: not today" in result["error"]


def test_an_unknown_entrypoint_fails_clearly(
    server: PulseServer, runagent_serve: RunagentServe
) -> None:
    _, result, _ = schedule(server, runagent_serve, "missing")
    assert result["status"] == "failed"
    assert result["run"]["error"]["type"] == "RunAgentNotFound"
    assert "Entrypoint missing not found" in result["error"]


def test_stream_chunks_are_recorded_as_events_and_in_the_result(
    server: PulseServer, runagent_serve: RunagentServe
) -> None:
    _, result, events = schedule(server, runagent_serve, "words_stream", message="a b c")
    chunks = [{"word": "a"}, {"word": "b"}, {"word": "c"}]
    assert result["status"] == "completed", result
    assert result["result"] == chunks
    assert [(e["kind"], e["data"]) for e in events] == [
        ("chunk", {"index": i, "value": chunk}) for i, chunk in enumerate(chunks)
    ]


def test_pulse_executors_lists_availability(server: PulseServer, tmp_path: Path) -> None:
    listed = subprocess.run(
        [*PULSE_CLI, "--server-url", server.url, "executors", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=tmp_path,
    )
    items = {item["name"]: item for item in json.loads(listed.stdout)["items"]}
    assert items["serverless"]["available"] is True
    assert "RUNAGENT_SERVERLESS_API_KEY is not set" in items["serverless"]["reason"]
    human = subprocess.run(
        [*PULSE_CLI, "--server-url", server.url, "executors"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=tmp_path,
    )
    assert "serverless" in human.stdout
    assert "DEFAULT_EXECUTOR=auto: local" in human.stdout


def test_the_runagent_example_runs_against_runagent_serve(
    server: PulseServer, runagent_serve: RunagentServe
) -> None:
    out = run_example(
        "schedule_runagent_example.py",
        {
            "PULSE_SERVER_URL": server.url,
            "RUNAGENT_AGENT_ID": runagent_serve.agent_id,
            "RUNAGENT_ENTRYPOINT": "words_stream",
            "RUNAGENT_PARAMS": json.dumps({"message": "hello pulse"}),
            "RUNAGENT_AGENT_HOST": runagent_serve.host,
            "RUNAGENT_AGENT_PORT": str(runagent_serve.port),
        },
    )
    assert "Status: completed" in out
    assert 'Result: [{"word": "hello"}, {"word": "pulse"}]' in out
    assert 'Event chunk: {"index": 0, "value": {"word": "hello"}}' in out
