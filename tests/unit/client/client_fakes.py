"""A fake Pulse server behind ``httpx.MockTransport``, speaking the docs/api.md contract."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

Reply = httpx.Response | Callable[[httpx.Request], httpx.Response]


def reply(status: int = 200, body: Any = None) -> httpx.Response:
    return httpx.Response(status, json=body)


def api_error(status: int, code: str, message: str = "nope", **details: Any) -> httpx.Response:
    return reply(status, {"error": {"code": code, "message": message, "details": details}})


def task_json(task_id: str = "tsk_1", **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "task_id": task_id,
        "agent_id": "my_agent",
        "entrypoint_tag": "process",
        "when": "in 5 minutes",
        "repeat": None,
        "schedule": {
            "kind": "once",
            "description": "once at 2026-11-22 09:05 UTC",
            "timezone": "UTC",
            "next_runs": ["2026-11-22T09:05:00Z"],
        },
        "status": "active",
        "activity": "idle",
        "next_run_at": "2026-11-22T09:05:00Z",
    }
    data.update(fields)
    return data


def run_json(run_id: str = "run_1", **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"run_id": run_id, "execution_id": run_id, "task_id": "tsk_1"}
    data.update(status="success", trigger="schedule", attempt=1, result={"ok": True})
    data.update(fields)
    return data


class FakeServer:
    """Routes ``(method, path)`` to queued replies; the last reply of a route repeats."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Reply]] = {}
        self.requests: list[httpx.Request] = []

    def on(self, method: str, path: str, *replies: Reply) -> None:
        self.routes[(method, path)] = list(replies)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self.routes.get((request.method, request.url.path))
        if not queue:
            return api_error(404, "not_found", f"no route {request.method} {request.url.path}")
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        return item(request) if callable(item) else item

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def last_json(self) -> Any:
        return json.loads(self.last.content)
