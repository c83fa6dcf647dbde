"""``pulse schedule`` and ``pulse tasks …`` against a fake server: requests, output, exit codes."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from runagent_pulse.cli import _client
from runagent_pulse.client import PulseClient
from tests.unit.cli.cli_fakes import FakeServer, api_error, invoke, reply, run_json, task_json

ONCE = {
    "when": "in 5 minutes",
    "schedule": {"kind": "once", "description": "once", "timezone": "UTC"},
}


def test_help_documents_the_exit_codes() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())  # as wrapped for the terminal
    assert "Exit codes: 0 ok; 1 server" in text
    assert "3 not found; 4 timeout; 5 a server's port is in use" in text


def test_schedule_builds_the_create_body(server: FakeServer) -> None:
    server.on("POST", "/v1/tasks", reply(201, task_json()))
    result = invoke(
        "schedule",
        "my_agent",
        "process",
        "--when",
        "every day at 9am",
        "--tz",
        "Europe/Paris",
        "--params-json",
        '{"input": "Hello", "n": 1}',
        "-p",
        "user=dev",
        "-p",
        "n:=3",
        "-p",
        "flags:=[true, null]",
        "--executor",
        "local",
        "--callback-url",
        "http://localhost:3001/results",
        "--repeat-interval",
        "1d",
        "--repeat-times",
        "10",
        "--timeout",
        "90",
        "--idempotency-key",
        "k1",
        "--name",
        "daily",
    )
    assert result.exit_code == 0, result.output
    assert server.last_json() == {
        "agent_id": "my_agent",
        "entrypoint_tag": "process",
        "when": "every day at 9am",
        "params": {"input": "Hello", "n": 3, "user": "dev", "flags": [True, None]},
        "callback_url": "http://localhost:3001/results",
        "persistent_memory": False,
        "executor_type": "local",
        "repeat": {"interval": "1d", "times": 10},
        "timezone": "Europe/Paris",
        "timeout": 90.0,
        "idempotency_key": "k1",
        "name": "daily",
    }
    assert "Scheduled task tsk_1" in result.stdout
    assert "every day at 09:00 (Europe/Paris)" in result.stdout


def test_schedule_json_prints_the_task(server: FakeServer) -> None:
    server.on("POST", "/v1/tasks", reply(201, task_json()))
    result = invoke("schedule", "a", "b", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["task_id"] == "tsk_1"


@pytest.mark.parametrize(
    "args",
    [
        ["-p", "novalue"],
        ["-p", "=x"],
        ["-p", "n:=not-json"],
        ["--params-json", "[1]"],
        ["--params-json", "{"],
    ],
    ids=["no-equals", "no-key", "bad-json-value", "not-an-object", "bad-json"],
)
def test_bad_params_exit_2_without_calling_the_server(server: FakeServer, args: list[str]) -> None:
    result = invoke("schedule", "a", "b", *args)
    assert result.exit_code == 2
    assert server.requests == []


def test_schedule_wait_prints_the_result(server: FakeServer) -> None:
    server.on("POST", "/v1/tasks", reply(201, task_json(**ONCE)))
    done = {"status": "completed", "result": {"ok": 1}, "execution_id": "run_1", "error": None}
    server.on("GET", "/v1/tasks/tsk_1/result", reply(200, done))
    result = invoke("schedule", "a", "b", "--wait", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["result"] == done


def test_schedule_wait_for_a_failed_run_exits_1(server: FakeServer) -> None:
    server.on("POST", "/v1/tasks", reply(201, task_json(**ONCE)))
    failed = {"status": "failed", "result": None, "execution_id": "run_1", "error": "Boom"}
    server.on("GET", "/v1/tasks/tsk_1/result", reply(200, failed))
    result = invoke("schedule", "a", "b", "--wait")
    assert result.exit_code == 1
    assert "Boom" in result.stdout


def test_schedule_wait_timeout_exits_4(server: FakeServer) -> None:
    server.on("POST", "/v1/tasks", reply(201, task_json(**ONCE)))
    pending = {"status": "pending", "result": None, "execution_id": None, "error": None}
    server.on("GET", "/v1/tasks/tsk_1/result", reply(200, pending))
    result = invoke("schedule", "a", "b", "--wait", "--wait-timeout", "0")
    assert result.exit_code == 4
    assert result.stderr.startswith("Error: Task tsk_1 has no finished run")


@pytest.mark.parametrize(
    ("status", "code", "exit_code"),
    [
        (422, "invalid_when", 2),
        (401, "unauthorized", 2),
        (409, "invalid_transition", 2),
        (413, "payload_too_large", 2),
        (404, "task_not_found", 3),
        (500, "internal", 1),
        (429, "rate_limited", 1),
    ],
)
def test_server_errors_map_to_exit_codes(
    server: FakeServer, status: int, code: str, exit_code: int
) -> None:
    server.on("POST", "/v1/tasks", api_error(status, code, "the server's message"))
    result = invoke("schedule", "a", "b")
    assert result.exit_code == exit_code
    assert result.stderr == "Error: the server's message\n"
    assert result.stdout == ""


def test_connection_error_names_the_url_and_suggests_pulse_serve(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    def factory(**kwargs: Any) -> PulseClient:
        return PulseClient(transport=httpx.MockTransport(refuse), **kwargs)

    monkeypatch.setattr(_client, "client_factory", factory)
    result = invoke("--server-url", "http://pulse.test:9", "tasks", "list")
    assert result.exit_code == 1
    assert "http://pulse.test:9" in result.stderr
    assert "pulse serve" in result.stderr


def test_global_options_and_environment_reach_the_client(server: FakeServer) -> None:
    server.on("GET", "/v1/tasks", reply(200, {"items": [], "next_cursor": None}))
    invoke("--server-url", "http://a.test", "--api-key", "k1", "tasks", "list")
    env = {"PULSE_SERVER_URL": "http://b.test", "PULSE_API_KEY": "k2"}
    invoke("tasks", "list", env=env)
    invoke("tasks", "list")
    assert server.factory_calls == [
        {"server_url": "http://a.test", "api_key": "k1"},
        {"server_url": "http://b.test", "api_key": "k2"},
        {"server_url": "http://localhost:8000", "api_key": None},
    ]


def test_tasks_list_table_and_json(server: FakeServer) -> None:
    page = {"items": [task_json("tsk_1"), task_json("tsk_2", status="paused")], "next_cursor": None}
    server.on("GET", "/v1/tasks", reply(200, page))
    table = invoke("tasks", "list", "--status", "active", "--agent-id", "my_agent", "--limit", "5")
    assert table.exit_code == 0
    assert "tsk_1" in table.stdout and "tsk_2" in table.stdout and "paused" in table.stdout
    params = server.last.url.params
    assert (params["status"], params["agent_id"], params["limit"]) == ("active", "my_agent", "5")
    as_json = invoke("tasks", "list", "--json")
    assert [task["task_id"] for task in json.loads(as_json.stdout)] == ["tsk_1", "tsk_2"]


def test_tasks_list_empty(server: FakeServer) -> None:
    server.on("GET", "/v1/tasks", reply(200, {"items": [], "next_cursor": None}))
    assert invoke("tasks", "list").stdout == "No tasks.\n"


def test_tasks_show_prints_user_data_literally(server: FakeServer) -> None:
    server.on("GET", "/v1/tasks/tsk_1", reply(200, task_json()))
    result = invoke("tasks", "show", "tsk_1")
    assert result.exit_code == 0
    assert "[bold]hi[/bold]" in result.stdout  # params are never read as rich markup
    assert "every day at 09:00 (Europe/Paris)" in result.stdout
    assert "Upcoming: 2026-11-23 08:00:00 UTC" in result.stdout


def test_tasks_show_unknown_exits_3(server: FakeServer) -> None:
    server.on("GET", "/v1/tasks/tsk_x", api_error(404, "task_not_found", "No task 'tsk_x'."))
    result = invoke("tasks", "show", "tsk_x")
    assert (result.exit_code, result.stderr) == (3, "Error: No task 'tsk_x'.\n")


@pytest.mark.parametrize(
    ("args", "method", "path", "body"),
    [
        (["pause", "tsk_1"], "POST", "/v1/tasks/tsk_1/pause", None),
        (["resume", "tsk_1"], "POST", "/v1/tasks/tsk_1/resume", {"catch_up": False}),
        (["resume", "tsk_1", "--catch-up"], "POST", "/v1/tasks/tsk_1/resume", {"catch_up": True}),
        (["cancel", "tsk_1"], "DELETE", "/v1/tasks/tsk_1", None),
    ],
    ids=["pause", "resume", "resume-catch-up", "cancel"],
)
def test_task_actions(
    server: FakeServer, args: list[str], method: str, path: str, body: Any
) -> None:
    server.on(method, path, reply(200, task_json(status="paused")))
    result = invoke("tasks", *args, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "paused"
    assert (server.last.method, server.last.url.path) == (method, path)
    assert (server.last_json() if server.last.content else None) == body
    assert "Task tsk_1" in invoke("tasks", *args).stdout


def test_tasks_trigger_and_history(server: FakeServer) -> None:
    server.on("POST", "/v1/tasks/tsk_1/trigger", reply(201, run_json("run_9", trigger="manual")))
    server.on(
        "GET", "/v1/tasks/tsk_1/runs", reply(200, {"items": [run_json()], "next_cursor": None})
    )
    trigger = invoke("tasks", "trigger", "tsk_1", "--json")
    assert json.loads(trigger.stdout)["trigger"] == "manual"
    assert "Run run_9" in invoke("tasks", "trigger", "tsk_1").stdout
    history = invoke("tasks", "history", "tsk_1", "--limit", "3")
    assert history.exit_code == 0 and "run_1" in history.stdout and "1.23s" in history.stdout
    assert server.last.url.params["limit"] == "3"
    assert json.loads(invoke("tasks", "history", "tsk_1", "--json").stdout)[0]["run_id"] == "run_1"


def test_tasks_result(server: FakeServer) -> None:
    failed = {"status": "failed", "result": None, "execution_id": "run_1", "error": "Boom"}
    server.on("GET", "/v1/tasks/tsk_1/result", reply(200, failed))
    result = invoke("tasks", "result", "tsk_1", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == failed


def test_narrow_terminals_get_two_lines_per_task(server: FakeServer) -> None:
    page = {"items": [task_json("tsk_0193a1b2c3d4e5f60718293a", name="daily")], "next_cursor": None}
    server.on("GET", "/v1/tasks", reply(200, page))
    result = invoke("tasks", "list", env={"COLUMNS": "80"})
    assert result.stdout.splitlines() == [
        "tsk_0193a1b2c3d4e5f60718293a  active · idle  next 2026-11-23 08:00",
        "    daily (my_agent:process) — every day at 09:00 (Europe/Paris)",
    ]


def test_teams_schedule_waits_for_the_leaders_answer(server: FakeServer) -> None:
    team_task = task_json(**ONCE, agent_id="marketing", entrypoint_tag="team", executor_type="team")
    server.on("POST", "/v1/tasks", reply(201, team_task))
    answered = {"status": "completed", "result": "Launch plan: …", "execution_id": "run_1"}
    server.on("GET", "/v1/tasks/tsk_1/result", reply(200, {**answered, "error": None}))
    result = invoke("teams", "schedule", "marketing", "Plan the launch", "--wait")
    assert result.exit_code == 0, result.stdout
    assert "Launch plan" in result.stdout
    body = json.loads(server.requests[0].content)
    assert (body["agent_id"], body["params"]) == ("marketing", {"prompt": "Plan the launch"})
    as_json = json.loads(invoke("teams", "schedule", "marketing", "Go", "--wait", "--json").stdout)
    assert as_json["result"]["result"] == "Launch plan: …"


def test_commands_name_their_arguments_in_capitals() -> None:
    usage = invoke("teams", "schedule", "--help").stdout
    assert "TEAM" in usage and "PROMPT" in usage and "{team}" not in usage


def test_json_is_offered_exactly_where_the_docs_say() -> None:
    """docs/cli.md: every data command has --json; the server commands do not."""
    import typer.main

    from runagent_pulse.cli import app

    def commands(group: object, prefix: str = "") -> dict[str, object]:
        found: dict[str, object] = {}
        for name, command in getattr(group, "commands", {}).items():
            if getattr(command, "commands", None):
                found.update(commands(command, f"{prefix}{name} "))
            else:
                found[f"{prefix}{name}"] = command
        return found

    server_commands = {"serve", "worker", "webhook-handler", "db upgrade", "webhook secret", "mcp"}
    for name, command in commands(typer.main.get_command(app)).items():
        options = {opt for param in command.params for opt in getattr(param, "opts", [])}
        if name in server_commands or name.startswith("webhook "):
            assert "--json" not in options, name
        else:
            assert "--json" in options, name
