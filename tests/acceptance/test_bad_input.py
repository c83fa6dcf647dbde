"""Malformed requests get the right 4xx and a message a user can act on (real ``pulse serve``)."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest

from tests.acceptance.conftest import API_KEY
from tests.acceptance.server import PulseServer

OK = {"agent_id": "simple_agent", "entrypoint_tag": "process", "executor_type": "local"}


def task(**changes: Any) -> dict[str, Any]:
    body = {**OK, **changes}
    return {k: v for k, v in body.items() if v is not None}


CASES: list[tuple[str, str, str, Any, int, str, str]] = [
    # id, method, path, json body, status, error code, words the message must contain
    (
        "garbage-when",
        "POST",
        "/v1/tasks",
        task(when="whenever you like"),
        422,
        "invalid_when",
        "when",
    ),
    ("empty-when", "POST", "/v1/tasks", task(when=""), 422, "validation_error", "when"),
    (
        "past-instant",
        "POST",
        "/v1/tasks",
        task(when="2020-01-01T00:00:00Z"),
        422,
        "invalid_when",
        "past",
    ),
    ("bad-cron-field", "POST", "/v1/tasks", task(when="61 * * * *"), 422, "invalid_when", "minute"),
    ("six-field-cron", "POST", "/v1/tasks", task(when="0 0 9 * * 1"), 422, "invalid_when", "5"),
    ("unknown-unit", "POST", "/v1/tasks", task(when="in 5 fortnights"), 422, "invalid_when", ""),
    (
        "unknown-zone",
        "POST",
        "/v1/tasks",
        task(when="every day at 9am", timezone="Mars/Olympus"),
        422,
        "invalid_when",
        "Mars/Olympus",
    ),
    (
        "repeat-bad-interval",
        "POST",
        "/v1/tasks",
        task(repeat={"interval": "soon"}),
        422,
        "",
        "interval",
    ),
    (
        "repeat-zero-times",
        "POST",
        "/v1/tasks",
        task(repeat={"interval": "1h", "times": 0}),
        422,
        "validation_error",
        "times",
    ),
    (
        "repeat-unknown-key",
        "POST",
        "/v1/tasks",
        task(repeat={"every": "1h"}),
        422,
        "validation_error",
        "every",
    ),
    (
        "oversized-params",
        "POST",
        "/v1/tasks",
        task(params={"blob": "x" * 300_000}),
        422,
        "validation_error",
        "params",
    ),
    (
        "params-not-object",
        "POST",
        "/v1/tasks",
        task(params=["a", "b"]),
        422,
        "validation_error",
        "params",
    ),
    (
        "agent-id-number",
        "POST",
        "/v1/tasks",
        task(agent_id=42),
        422,
        "validation_error",
        "agent_id",
    ),
    (
        "missing-agent-id",
        "POST",
        "/v1/tasks",
        {"entrypoint_tag": "process"},
        422,
        "validation_error",
        "agent_id",
    ),
    (
        "missing-entrypoint",
        "POST",
        "/v1/tasks",
        {"agent_id": "simple_agent"},
        422,
        "validation_error",
        "entrypoint_tag",
    ),
    (
        "agent-id-too-long",
        "POST",
        "/v1/tasks",
        task(agent_id="a" * 201),
        422,
        "validation_error",
        "agent_id",
    ),
    (
        "unknown-executor",
        "POST",
        "/v1/tasks",
        task(executor_type="quantum"),
        422,
        "invalid_target",
        "quantum",
    ),
    (
        "module-subprocess",
        "POST",
        "/v1/tasks",
        task(agent_id="subprocess", entrypoint_tag="run"),
        422,
        "invalid_target",
        "LOCAL_AGENT_PATH",
    ),
    (
        "module-os",
        "POST",
        "/v1/tasks",
        task(agent_id="os", entrypoint_tag="system"),
        422,
        "invalid_target",
        "LOCAL_AGENT_PATH",
    ),
    (
        "module-traversal",
        "POST",
        "/v1/tasks",
        task(agent_id="../etc/passwd"),
        422,
        "invalid_target",
        "",
    ),
    ("unknown-field", "POST", "/v1/tasks", task(colour="blue"), 422, "validation_error", "colour"),
    ("timeout-negative", "POST", "/v1/tasks", task(timeout=-5), 422, "validation_error", "timeout"),
    (
        "timeout-garbage",
        "POST",
        "/v1/tasks",
        task(timeout="forever"),
        422,
        "validation_error",
        "timeout",
    ),
    (
        "overlap-unknown",
        "POST",
        "/v1/tasks",
        task(overlap="sometimes"),
        422,
        "validation_error",
        "overlap",
    ),
    (
        "retry-too-many",
        "POST",
        "/v1/tasks",
        task(retry={"max_attempts": 1000}),
        422,
        "validation_error",
        "max_attempts",
    ),
    (
        "callback-ftp",
        "POST",
        "/v1/tasks",
        task(callback_url="ftp://example.com/x"),
        422,
        "unsafe_url",
        "http",
    ),
    (
        "callback-metadata",
        "POST",
        "/v1/tasks",
        task(callback_url="http://169.254.169.254/latest"),
        422,
        "unsafe_url",
        "169.254.169.254",
    ),
    (
        "callback-userinfo",
        "POST",
        "/v1/tasks",
        task(callback_url="http://user:pw@example.com/"),
        422,
        "unsafe_url",
        "",
    ),
    ("not-json", "POST", "/v1/tasks", "this is not json", 422, "validation_error", ""),
    ("batch-empty", "POST", "/v1/tasks/batch", {"tasks": []}, 422, "validation_error", "tasks"),
    (
        "batch-one-bad",
        "POST",
        "/v1/tasks/batch",
        {"tasks": [task(), task(when="nope nope")]},
        422,
        "",
        "tasks[1]",
    ),
    (
        "unknown-task",
        "GET",
        "/v1/tasks/tsk_doesnotexist",
        None,
        404,
        "task_not_found",
        "tsk_doesnotexist",
    ),
    (
        "unknown-run",
        "GET",
        "/v1/runs/run_doesnotexist",
        None,
        404,
        "run_not_found",
        "run_doesnotexist",
    ),
    ("bad-limit", "GET", "/v1/tasks?limit=0", None, 422, "validation_error", "limit"),
    (
        "bad-status-filter",
        "GET",
        "/v1/runs?status=exploded",
        None,
        422,
        "validation_error",
        "status",
    ),
    (
        "parse-count-too-big",
        "POST",
        "/v1/timespec/parse",
        {"when": "hourly", "count": 1000},
        422,
        "validation_error",
        "count",
    ),
    # Integers beyond 64 bits have no exact JSON form in Pulse: refused, never rounded.
    (
        "int-beyond-64-bits-in-params",
        "POST",
        "/v1/tasks",
        task(params={"n": 2**64}),
        422,
        "validation_error",
        "64-bit",
    ),
    (
        "int-beyond-64-bits-in-metadata",
        "POST",
        "/v1/tasks",
        task(metadata={"n": -(2**63) - 1}),
        422,
        "validation_error",
        "64-bit",
    ),
    # PostgreSQL text cannot hold NUL: refused on every backend with the field named.
    ("nul-in-body", "POST", "/v1/tasks", task(name="a\x00b"), 422, "validation_error", "name"),
    ("nul-in-path", "GET", "/v1/tasks/tsk_%00", None, 422, "validation_error", "path"),
    ("nul-in-query", "GET", "/v1/runs?task_id=%00", None, 422, "validation_error", "task_id"),
    ("no-such-route", "GET", "/v1/nothing-here", None, 404, "not_found", ""),
    ("wrong-method", "PUT", "/v1/tasks", None, 405, "method_not_allowed", ""),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code", "words"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_bad_request_gets_a_clear_4xx(
    server: PulseServer, method: str, path: str, body: Any, status: int, code: str, words: str
) -> None:
    if isinstance(body, str):
        response = httpx.request(
            method, server.url + path, content=body, headers={"content-type": "application/json"}
        )
    else:
        response = httpx.request(method, server.url + path, json=body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    if code:
        assert error["code"] == code
    assert words.lower() in error["message"].lower()
    assert "Traceback" not in response.text


def test_body_over_the_limit_is_413(server: PulseServer) -> None:
    response = httpx.post(
        server.url + "/v1/tasks/batch",
        content=b"{" + b" " * (33 * 1024 * 1024) + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        pytest.param({}, "Missing API key", id="missing-key"),
        pytest.param({"Authorization": "Bearer wrong"}, "Wrong API key", id="wrong-key"),
        pytest.param({"Authorization": f"Basic {API_KEY}"}, "API key", id="wrong-scheme"),
    ],
)
def test_api_key_is_required_when_set(
    secured_server: PulseServer, headers: dict[str, str], words: str
) -> None:
    response = httpx.get(secured_server.url + "/v1/tasks", headers=headers)
    assert response.status_code == 401
    assert words in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        pytest.param({}, b"{" + b" " * (33 * 1024 * 1024) + b"}", id="huge-body-no-key"),
        pytest.param({}, b'{"agent_id": ', id="malformed-body-no-key"),
        pytest.param({"Authorization": "Bearer wrong"}, b"[" * 100_000, id="deep-body-wrong-key"),
    ],
)
def test_a_request_without_the_key_is_refused_before_its_body_is_read(
    secured_server: PulseServer, headers: dict[str, str], body: bytes
) -> None:
    """401 (not 413 or 422): the key is checked on the headers, before the body is read."""
    response = httpx.post(
        secured_server.url + "/v1/tasks/batch",
        content=body,
        headers={"content-type": "application/json", **headers},
    )
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


def test_the_401_comes_before_the_body_is_sent(secured_server: PulseServer) -> None:
    """Only the head of a request announcing a terabyte is sent: the answer still comes."""
    host, port = secured_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            b"POST /v1/tasks HTTP/1.1\r\nHost: pulse\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer wrong\r\nContent-Length: 1000000000000\r\n\r\n"
        )
        answer = b""
        while chunk := conn.recv(65536):  # the server closes: the body will never be read
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 401 "), answer[:200]
    assert b'"unauthorized"' in answer


def test_right_api_key_is_accepted_and_health_stays_open(secured_server: PulseServer) -> None:
    good = httpx.get(
        secured_server.url + "/v1/tasks", headers={"Authorization": f"Bearer {API_KEY}"}
    )
    assert good.status_code == 200
    assert httpx.get(secured_server.url + "/health").status_code == 200
