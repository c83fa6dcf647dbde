"""``PULSE_DEBUG=true`` turns on Pulse's own debug logs, not the third-party loggers that print
SQL parameters, result rows and request URLs: no secret reaches the server's log."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from tests.acceptance.server import PulseServer, wait_for
from tests.support.http_target import HttpTarget
from tests.support.processes import PULSE_CLI

API_KEY = "pulse-api-key-7f3a9c5e"
RUNAGENT_KEY = "runagent-key-51d0e2aa"
HTTP_AUTHORIZATION = "Bearer http-task-secret-2b8e41"
URL_TOKEN = "url-query-token-a93f11"
CALLBACK_SECRET = "whsec_Y2FsbGJhY2stc2VjcmV0LTkxYzc="


def webhook_secret(database_url: str) -> str:
    """The secret the server generated for itself (``pulse webhook secret``)."""
    env = {k: v for k, v in os.environ.items() if k != "PULSE_WEBHOOK_SECRET"}
    done = subprocess.run(
        [*PULSE_CLI, "webhook", "secret", "--database-url", database_url],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def test_debug_logs_hold_no_secret(tmp_path: Path, backend_url: str) -> None:
    target = HttpTarget().start()
    server = PulseServer(
        tmp_path,
        database_url=backend_url,
        env={
            "PULSE_DEBUG": "true",
            "PULSE_API_KEY": API_KEY,
            "ENABLE_SERVERLESS_INTEGRATION": "true",
            "RUNAGENT_SERVERLESS_API_KEY": RUNAGENT_KEY,
            "RUNAGENT_BASE_URL": target.url,
        },
    )
    headers = {"Authorization": f"Bearer {API_KEY}"}
    once = {"retry": {"max_attempts": 1}}
    tasks: list[dict[str, Any]] = [
        {
            "agent_id": "web",
            "entrypoint_tag": "call",
            "executor_type": "http",
            "params": {
                "url": f"{target.url}/echo?token={URL_TOKEN}",
                "method": "POST",
                "headers": {"Authorization": HTTP_AUTHORIZATION},
                "body": {"q": 1},
            },
            "callback_url": f"{target.url}/callback",
            "callback_secret": CALLBACK_SECRET,
        },
        {"agent_id": "agent-1", "entrypoint_tag": "answer", "executor_type": "serverless", **once},
        {
            "agent_id": "agent-1",
            "entrypoint_tag": "answer_stream",
            "executor_type": "serverless",
            **once,
        },
    ]
    try:
        server.start()
        ids = []
        for body in tasks:
            created = httpx.post(f"{server.url}/v1/tasks", json=body, headers=headers)
            assert created.status_code == 201, created.text
            ids.append(created.json()["task_id"])

        def finished() -> bool:
            results = [
                httpx.get(f"{server.url}/v1/tasks/{i}/result", headers=headers).json() for i in ids
            ]
            called_back = any(r.path == "/callback" for r in target.received)
            return called_back and all(r["status"] in ("completed", "failed") for r in results)

        wait_for(finished, 60, "every task ran and the callback was sent")
        secrets = [
            API_KEY,
            RUNAGENT_KEY,
            HTTP_AUTHORIZATION.removeprefix("Bearer "),
            URL_TOKEN,
            CALLBACK_SECRET,
            webhook_secret(backend_url),
        ]
    finally:
        server.stop()
        target.stop()
    streamed = [r.path for r in target.received if "run-stream" in r.path]
    assert streamed, "the streaming run opened its WebSocket (with the key in its URL)"
    log = server.log()
    assert " DEBUG runagent_pulse." in log  # Pulse's own debug logs are on
    for secret in secrets:
        assert secret not in log
        assert quote(secret, safe="") not in log
