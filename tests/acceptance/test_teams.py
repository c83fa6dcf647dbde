"""Team runs through a real ``pulse serve``: the teams API, SDK and CLI, a team with an HTTP
agent, the conversation and deployment views, and ``kill -9`` in the middle of a team run."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psutil
import pytest

from runagent_pulse import PulseClient
from runagent_pulse.client import ConflictError, InvalidTargetError, NotFoundError, ValidationError
from tests.acceptance.server import PulseServer, wait_for
from tests.support.processes import PULSE_CLI

pytestmark = pytest.mark.slow


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


class _WebAgent(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # readiness
        self._reply(200, {"ok": True})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        self._reply(200, {"answer": f"web saw {body['content']} from {body['from']}"})

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def web_agent() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _WebAgent)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/agent"
    server.shutdown()
    server.server_close()


def cli(server: PulseServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PULSE_CLI, "--server-url", server.url, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "160"},
    )


TRIO = [
    {"name": "boss", "role": "leader", "module": "team_agents", "entrypoint": "lead"},
    {"name": "researcher", "role": "member", "module": "team_agents", "entrypoint": "research"},
    {"name": "writer", "role": "member", "module": "team_agents", "entrypoint": "write"},
]


def test_teams_api_sdk_and_cli(server: PulseServer, web_agent: str) -> None:
    with PulseClient(server_url=server.url) as pulse:
        team = pulse.create_team("marketing", TRIO)
        assert team["team_id"].startswith("team_")
        assert pulse.get_team("marketing") == team == pulse.get_team(team["team_id"])
        with pytest.raises(ConflictError):
            pulse.create_team("marketing", TRIO)
        two_leaders = [TRIO[0], {**TRIO[1], "role": "leader"}]
        with pytest.raises(ValidationError, match="exactly one leader"):
            pulse.create_team("bad", two_leaders)
        with pytest.raises(ValidationError, match="unique"):
            pulse.create_team("bad", [TRIO[0], {**TRIO[1], "name": "boss"}])
        with pytest.raises(InvalidTargetError, match="agent boss: module 'subprocess'"):
            pulse.create_team("bad", [{**TRIO[0], "module": "subprocess"}])
        with pytest.raises(ValidationError, match="metadata"):
            pulse.create_team(
                "bad", [TRIO[0], {"name": "w", "role": "member", "url": "http://169.254.169.254/"}]
            )
        with pytest.raises(ValidationError, match="names no team"):
            pulse.schedule_team("nobody", "hi")
        with pytest.raises(ValidationError, match="50000"):
            pulse.schedule_team("marketing", "x" * 50_001)

        task = pulse.schedule_team("marketing", "weekly report", retry={"max_attempts": 1})
        assert task.data["executor_type"] == "team"
        assert task.data["effective_timeout_seconds"] == 3600.0
        assert pulse.get_config()["schedule_timeout_seconds"] == 3600.0
        result = task.wait(timeout=60)
        assert result["status"] == "completed", result
        assert result["result"]["by"] == "boss"
        run = pulse.get_run(result["execution_id"])
        conversation = pulse.get_conversation(run["run_id"])
        assert conversation["deployment_id"] == run["deployment_id"]
        assert conversation["deployment_status"] == "stopped"
        assert [(m["seq"], m["from"], m["to"]) for m in conversation["messages"]] == [
            (1, "pulse", "boss"),
            (2, "boss", "researcher"),
            (3, "researcher", "boss"),
            (4, "boss", "writer"),
            (5, "writer", "boss"),
            (6, "boss", "pulse"),
        ]
        kinds = [event["kind"] for event in pulse.get_run_events(run["run_id"])]
        for step in ("deployment_created", "agent_started", "team_ready", "prompt_sent"):
            assert step in kinds, kinds
        assert kinds.index("answer_received") < kinds.index("teardown_started")
        assert kinds.index("teardown_started") < kinds.index("team_stopped")
        deployment = pulse.get_deployment(run["deployment_id"])
        assert deployment["name"] == f"marketing-run-{run['run_id']}"
        assert all(gone(agent["pid"]) for agent in deployment["agents"])
        assert pulse.get_task(task.task_id).data["activity"] == "idle"
        later = pulse.schedule_team("marketing", "next week", when="in 1 hour")
        with pytest.raises(ConflictError, match="cancel them first"):
            pulse.delete_team("marketing")
        later.cancel()
        assert pulse.delete_team("marketing")["name"] == "marketing"

        shown = cli(server, "runs", "conversation", run["run_id"])
        assert shown.returncode == 0, shown.stderr
        assert "boss → researcher" in shown.stdout and "draft(" in shown.stdout
        created = cli(
            server,
            "teams",
            "create",
            "web-team",
            "--leader",
            "boss=team_agents:lead_asks_web",
            "--member",
            f"web={web_agent}",
            "--member",
            "writer=team_agents:write",
            "--json",
        )
        assert created.returncode == 0, created.stderr
        assert json.loads(created.stdout)["agents"][1] == {
            "name": "web",
            "role": "member",
            "module": None,
            "entrypoint": None,
            "url": web_agent,
        }
        web_task = pulse.schedule_team("web-team", "hello", retry={"max_attempts": 1})
        assert web_task.wait(timeout=60)["result"] == {
            "web": "web saw hello from boss",
            "writer": "draft(hello)",
        }
        listed = cli(server, "teams", "list", "--json")
        assert "web-team" in {t["name"] for t in json.loads(listed.stdout)}
        assert pulse.delete_team("web-team")["name"] == "web-team"
        with pytest.raises(NotFoundError):
            pulse.get_team("web-team")
        with pytest.raises(NotFoundError):
            pulse.get_deployment("dep_missing")


def test_kill_9_in_the_middle_of_a_team_run(tmp_path: Path, db_url: str) -> None:
    server = PulseServer(tmp_path, env={"PULSE_LEASE_DURATION": "2s"}, database_url=db_url)
    server.start()
    try:
        marker = tmp_path / "leader.pid"
        with PulseClient(server_url=server.url) as pulse:
            pulse.create_team(
                "stuck",
                [
                    {
                        "name": "boss",
                        "role": "leader",
                        "module": "team_agents",
                        "entrypoint": "lead_hangs",
                    },
                    {"name": "m", "role": "member", "module": "team_agents", "entrypoint": "pid"},
                ],
            )
            task = pulse.schedule_team("stuck", str(marker), retry={"max_attempts": 1})
            wait_for(marker.exists, what="the leader to start")
            assert pulse.get_task(task.task_id).data["activity"] == "running"
            [run] = pulse.get_history(task.task_id)
            deployment = pulse.get_deployment(run["deployment_id"])
            assert deployment["status"] == "running"
            pids = [agent["pid"] for agent in deployment["agents"]]
            assert len(pids) == 2 and not any(gone(pid) for pid in pids)
        server.kill9()
        wait_for(lambda: all(gone(pid) for pid in pids), what="orphaned agents to go")
        server.start()
        with PulseClient(server_url=server.url) as pulse:
            wait_for(lambda: pulse.get_run(run["run_id"])["status"] == "failed")
            assert pulse.get_run(run["run_id"])["error"]["type"] == "LeaseExpired"
            wait_for(
                lambda: pulse.get_deployment(run["deployment_id"])["status"] == "stopped",
                what="the reaper to stop the deployment",
            )
            assert "reaped" in pulse.get_deployment(run["deployment_id"])["error"]
            assert pulse.get_task(task.task_id).data["activity"] == "error"
            assert all(gone(pid) for pid in pids)
    finally:
        server.stop()
