"""``pulse runs …`` against a fake server."""

from __future__ import annotations

import json

from tests.unit.cli.cli_fakes import FakeServer, api_error, invoke, reply, run_json

DELIVERY = {
    "delivery_id": "dlv_1",
    "run_id": "run_1",
    "url": "http://localhost:3001/results",
    "status": "failed",
    "attempts": 3,
    "last_status_code": 500,
    "next_attempt_at": None,
}


def test_runs_list_filters_table_and_json(server: FakeServer) -> None:
    failed = run_json("run_2", status="failed", error={"type": "ValueError", "message": "bad"})
    page = {"items": [failed, run_json("run_1")], "next_cursor": None}
    server.on("GET", "/v1/runs", reply(200, page))
    table = invoke("runs", "list", "--task-id", "tsk_1", "--status", "failed", "--limit", "7")
    assert table.exit_code == 0
    assert "run_2" in table.stdout and "ValueError: bad" in table.stdout
    params = server.last.url.params
    assert (params["task_id"], params["status"], params["limit"]) == ("tsk_1", "failed", "7")
    as_json = invoke("runs", "list", "--json")
    assert [run["run_id"] for run in json.loads(as_json.stdout)] == ["run_2", "run_1"]


def test_runs_list_empty(server: FakeServer) -> None:
    server.on("GET", "/v1/runs", reply(200, {"items": [], "next_cursor": None}))
    assert invoke("runs", "list").stdout == "No runs.\n"


def test_runs_show_and_cancel(server: FakeServer) -> None:
    server.on("GET", "/v1/runs/run_1", reply(200, run_json()))
    server.on("POST", "/v1/runs/run_1/cancel", reply(200, run_json(status="cancelled")))
    shown = invoke("runs", "show", "run_1")
    assert shown.exit_code == 0
    assert "Run run_1" in shown.stdout and '{"ok": true}' in shown.stdout
    assert json.loads(invoke("runs", "show", "run_1", "--json").stdout)["run_id"] == "run_1"
    cancelled = invoke("runs", "cancel", "run_1", "--json")
    assert json.loads(cancelled.stdout)["status"] == "cancelled"
    assert server.last.method == "POST"
    assert "cancelled" in invoke("runs", "cancel", "run_1").stdout


def test_runs_show_unknown_exits_3(server: FakeServer) -> None:
    server.on("GET", "/v1/runs/run_x", api_error(404, "run_not_found", "No run 'run_x'."))
    result = invoke("runs", "show", "run_x")
    assert (result.exit_code, result.stderr) == (3, "Error: No run 'run_x'.\n")


def test_runs_deliveries_and_redeliver(server: FakeServer) -> None:
    server.on("GET", "/v1/runs/run_1/deliveries", reply(200, {"items": [DELIVERY]}))
    server.on("POST", "/v1/runs/run_1/redeliver", reply(202, {**DELIVERY, "status": "pending"}))
    table = invoke("runs", "deliveries", "run_1")
    assert table.exit_code == 0
    assert "dlv_1" in table.stdout and "500" in table.stdout
    assert json.loads(invoke("runs", "deliveries", "run_1", "--json").stdout) == [DELIVERY]
    again = invoke("runs", "redeliver", "run_1", "--json")
    assert (again.exit_code, json.loads(again.stdout)["status"]) == (0, "pending")
    assert "pending" in invoke("runs", "redeliver", "run_1").stdout


def test_runs_deliveries_empty(server: FakeServer) -> None:
    server.on("GET", "/v1/runs/run_1/deliveries", reply(200, {"items": []}))
    assert invoke("runs", "deliveries", "run_1").stdout.startswith("No deliveries")


def test_narrow_terminals_get_two_lines_per_run_with_full_ids(server: FakeServer) -> None:
    long_id = "run_0193a1b2c3d4e5f60718293a"
    failed = run_json(long_id, status="failed", error={"type": "ValueError", "message": "bad"})
    server.on("GET", "/v1/runs", reply(200, {"items": [failed], "next_cursor": None}))
    result = invoke("runs", "list", env={"COLUMNS": "80"})
    assert result.stdout.splitlines() == [
        f"{long_id}  failed  schedule  2026-11-23 08:00 UTC  1.23s",
        "    ValueError: bad",
    ]


LONG_DELIVERY = {
    **DELIVERY,
    "delivery_id": "dlv_01a2446c97280000753231ec",
    "url": "http://webhook-handler.internal.example:3001/results/for/a/long/path",
    "last_status_code": 503,
    "next_attempt_at": "2026-12-05T09:00:00Z",
}
LONG_NODE = {
    "node_id": "vm-1834-prod-eu-west-2-pulse-worker-31337-af3c",
    "host": "vm-1834-prod-eu-west-2",
    "pid": 31337,
    "version": "0.1.0",
    "role": "worker",
    "state": "alive",
    "alive": True,
    "started_at": "2026-12-05T08:00:00Z",
    "heartbeat_at": "2026-12-05T09:00:00Z",
    "stopped_at": None,
    "running_runs": 3,
}


def test_ids_are_never_cut_on_a_narrow_terminal(server: FakeServer) -> None:
    server.on("GET", "/v1/runs/run_1/deliveries", reply(200, {"items": [LONG_DELIVERY]}))
    server.on(
        "GET",
        "/v1/nodes",
        reply(200, {"items": [LONG_NODE], "server_time": "2026-12-05T09:00:00Z"}),
    )
    narrow = {"COLUMNS": "60"}
    deliveries = invoke("runs", "deliveries", "run_1", env=narrow).stdout
    assert LONG_DELIVERY["delivery_id"] in deliveries
    assert "…" not in deliveries
    nodes = invoke("nodes", env=narrow).stdout
    assert LONG_NODE["node_id"] in nodes
    assert "…" not in nodes
    assert all(len(line) <= 60 for line in nodes.splitlines())
