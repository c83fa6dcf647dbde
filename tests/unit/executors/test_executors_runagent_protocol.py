"""Decoding RunAgent answers and mapping their errors (pure functions, no I/O)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from runagent_pulse.domain.errors import ExecutionError
from runagent_pulse.executors.runagent_protocol import (
    ERROR_TYPES,
    AgentEndpoint,
    decode_structured,
    error_from_answer,
)


def envelope(kind: str, payload: str) -> str:
    return json.dumps({"type": kind, "payload": payload})


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (envelope("string", '"hi"'), "hi"),
        (envelope("string", ""), ""),
        (envelope("integer", "42"), 42),
        (envelope("number", "2"), 2.0),
        (envelope("boolean", "true"), True),
        (envelope("null", "null"), None),
        (envelope("array", "[1, 2]"), [1, 2]),
        (envelope("object", '{"a": {"b": 1}}'), {"a": {"b": 1}}),
        ({"type": "object", "payload": {"a": 1}}, {"a": 1}),
        ({"result_data": {"data": envelope("integer", "7")}}, 7),
        (None, None),
    ],
    ids=[
        "string", "empty-string", "integer", "number", "boolean", "null", "array", "object",
        "object-not-text", "legacy", "none",
    ],
)  # fmt: skip
def test_decode_structured(data: Any, expected: Any) -> None:
    value = decode_structured(data)
    assert value == expected
    assert type(value) is type(expected)


def test_decode_structured_keeps_an_integer_beyond_64_bits_exact() -> None:
    """Not rounded to a float: the run then fails as ResultNotSerializable (Pulse stores integers
    within 64 bits), instead of storing another number."""
    big = 123456789012345678901234567890
    assert decode_structured(envelope("object", json.dumps({"id": big}))) == {"id": big}
    assert decode_structured(envelope("integer", str(big))) == big


@pytest.mark.parametrize("data", ["{nope", json.dumps([1]), json.dumps({"type": "object"})])
def test_decode_structured_refuses_what_is_not_an_envelope(data: str) -> None:
    with pytest.raises(ExecutionError) as caught:
        decode_structured(data)
    assert caught.value.error_type == "RunAgentMalformedResponse"


@pytest.mark.parametrize(
    ("status", "answer", "error_type"),
    [
        (401, {"detail": "x"}, "RunAgentAuthenticationError"),
        (403, {"detail": "x"}, "RunAgentPermissionError"),
        (404, {"success": False, "error": {"code": "NOT_FOUND", "message": "x"}},
         "RunAgentNotFound"),
        (400, {"success": False, "error": {"code": "VALIDATION_ERROR", "message": "x"}},
         "RunAgentInvalidRequest"),
        (500, {"success": False, "error": {"code": "INTERNAL_ERROR", "message": "x"}},
         "RunAgentAgentError"),
        (500, {"detail": "x"}, "RunAgentServerError"),
        (503, "Service Unavailable", "RunAgentServerError"),
        (200, {"success": False, "error": "[AUTHENTICATION_ERROR] x"},
         "RunAgentAuthenticationError"),
        (200, {"success": False, "error": None}, "RunAgentAgentError"),
    ],
)  # fmt: skip
def test_error_from_answer(status: int, answer: Any, error_type: str) -> None:
    error = error_from_answer(status, answer)
    assert error.error_type == error_type
    assert error.retryable is ERROR_TYPES[error_type]


def test_endpoint_headers_and_websocket_url() -> None:
    cloud = AgentEndpoint("https://backend.example/api/v1", "k")
    assert cloud.ws_url == "wss://backend.example/api/v1"
    assert cloud.headers("run_1") == {
        "Idempotency-Key": "run_1",
        "X-Request-ID": "run_1",
        "Authorization": "Bearer k",
    }
    local = AgentEndpoint("http://127.0.0.1:8450/api/v1")
    assert local.ws_url == "ws://127.0.0.1:8450/api/v1"
    assert "Authorization" not in local.headers("run_1")


def test_redact_removes_the_key_also_when_url_quoted() -> None:
    endpoint = AgentEndpoint("https://backend.example/api/v1", "k/y+z")
    assert endpoint.redact("ws://x/run-stream?token=k%2Fy%2Bz and k/y+z") == (
        "ws://x/run-stream?token=*** and ***"
    )
    assert AgentEndpoint("http://h/api/v1").redact("nothing") == "nothing"
