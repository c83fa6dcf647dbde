"""The ``serverless`` executor against a stand-in for RunAgent cloud: a real HTTP server on
127.0.0.1 answering as scripted (the cloud itself cannot be reached from here)."""

from __future__ import annotations

import asyncio
import json

import pytest

from runagent_pulse.domain.errors import ExecutionError
from runagent_pulse.executors.runagent_protocol import ERROR_TYPES
from tests.integration.raw_http import RawReceiver, raw_receiver, response
from tests.integration.serverless.support import make_ctx, started
from tests.support.processes import free_port
from tests.support.waiting import wait_until

KEY = "ra-test-key"
JSON = "content-type: application/json"


def answer(status: str, body: object) -> bytes:
    text = body if isinstance(body, str) else json.dumps(body)
    return response(status, JSON, body=text.encode())


def structured(kind: str, value: object) -> str:
    return json.dumps({"type": kind, "payload": json.dumps(value)})


async def failure(tag: str, reply: bytes) -> tuple[ExecutionError, RawReceiver]:
    """How a run of ``tag`` fails when the stand-in answers ``reply``."""
    async with (
        raw_receiver(reply) as cloud,
        started(api_key=KEY, base_url=f"http://127.0.0.1:{cloud.port}") as executor,
    ):
        ctx, _ = make_ctx("agent-1", tag)
        with pytest.raises(ExecutionError) as caught:
            await executor.execute(ctx)
    return caught.value, cloud


async def test_the_request_carries_key_run_id_user_and_params() -> None:
    ok = answer("200 OK", {"success": True, "data": structured("integer", 42)})
    async with (
        raw_receiver(ok) as cloud,
        started(api_key=KEY, base_url=f"http://127.0.0.1:{cloud.port}/") as executor,
    ):
        ctx, _ = make_ctx(
            "agent-1", "answer", {"q": "life"}, timeout=30, user_id="u-7", persistent_memory=True
        )
        assert await executor.execute(ctx) == 42
    [request] = cloud.received
    assert (request.method, request.path) == ("POST", "/api/v1/agents/agent-1/run")
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["idempotency-key"] == ctx.run_id
    assert request.headers["x-request-id"] == ctx.run_id
    body = json.loads(request.body)
    assert body["timeout_seconds"] <= 30
    assert body == {
        "entrypoint_tag": "answer",
        "input_args": [],
        "input_kwargs": {"q": "life"},
        "timeout_seconds": body["timeout_seconds"],
        "async_execution": False,
        "user_id": "u-7",
        "persistent_memory": True,
    }


@pytest.mark.parametrize(
    ("reply", "error_type", "words"),
    [
        (answer("401 Unauthorized", {"detail": "Invalid API key"}), "RunAgentAuthenticationError",
         ["HTTP 401", "Invalid API key", "RUNAGENT_SERVERLESS_API_KEY"]),
        (answer("403 Forbidden", {"detail": "Not your agent"}), "RunAgentPermissionError",
         ["HTTP 403", "Not your agent"]),
        (answer("404 Not Found", {"detail": "Agent not found"}), "RunAgentNotFound",
         ["HTTP 404", "Agent not found", "agent_id"]),
        (answer("500 Internal Server Error", {"detail": "database down"}), "RunAgentServerError",
         ["HTTP 500", "database down"]),
        (answer("502 Bad Gateway", "<html>bad gateway</html>"), "RunAgentServerError",
         ["HTTP 502", "bad gateway"]),
        (answer("422 Unprocessable Entity", {"detail": [{"loc": ["body"], "msg": "bad"}]}),
         "RunAgentInvalidRequest", ["HTTP 422", "bad"]),
        (answer("200 OK", "not json at all"), "RunAgentMalformedResponse", ["not json at all"]),
        (answer("200 OK", {"success": True, "data": "{oops"}), "RunAgentMalformedResponse",
         ["not JSON"]),
        (answer("200 OK", {"success": True, "data": json.dumps({"x": 1})}),
         "RunAgentMalformedResponse", ["type, payload"]),
        (answer("200 OK", {"result": 1}), "RunAgentMalformedResponse", ["without success"]),
        (answer("200 OK", {"success": False, "error": {
            "code": "AGENT_ERROR", "message": "bad input", "suggestion": "send a string"}}),
         "RunAgentAgentError", ["[AGENT_ERROR] bad input", "suggestion: send a string"]),
        (answer("200 OK", {"success": False, "error": "[RATE_LIMITED] slow down"}),
         "RunAgentAgentError", ["[RATE_LIMITED] slow down"]),
        (answer("200 OK", {"success": False, "error": {
            "code": "PERMISSION_ERROR", "message": "You do not have permission"}}),
         "RunAgentPermissionError", ["You do not have permission"]),
    ],
    ids=[
        "401", "403", "404", "500", "502-html", "422", "not-json", "data-not-json",
        "no-envelope", "no-success", "error-object", "error-string", "permission-code",
    ],
)  # fmt: skip
async def test_each_failed_answer_ends_as_its_documented_error(
    reply: bytes, error_type: str, words: list[str]
) -> None:
    error, _ = await failure("answer", reply)
    assert error.error_type == error_type
    assert error.retryable is ERROR_TYPES[error_type]
    for word in words:
        assert word in error.message


async def test_a_stream_handshake_refused_with_401_is_an_authentication_error() -> None:
    refused = answer("401 Unauthorized", {"detail": "Invalid token"})
    error, cloud = await failure("chat_stream", refused)
    assert error.error_type == "RunAgentAuthenticationError"
    [request] = cloud.received
    assert request.path == f"/api/v1/agents/agent-1/run-stream?token={KEY}"
    assert request.headers["authorization"] == f"Bearer {KEY}"


async def test_an_agent_that_never_answers_times_out_with_the_run() -> None:
    async with (
        raw_receiver() as cloud,
        started(api_key=KEY, base_url=f"http://127.0.0.1:{cloud.port}") as executor,
    ):
        cloud.hang = True
        ctx, _ = make_ctx("agent-1", "answer", timeout=0.5)
        with pytest.raises(ExecutionError) as caught:
            await executor.execute(ctx)
    assert caught.value.error_type == "RunAgentTimeout"
    assert caught.value.retryable


async def test_a_refused_connection_is_retryable() -> None:
    async with started(api_key=KEY, base_url=f"http://127.0.0.1:{free_port()}") as executor:
        ctx, _ = make_ctx("agent-1", "answer")
        with pytest.raises(ExecutionError) as caught:
            await executor.execute(ctx)
    assert caught.value.error_type == "RunAgentConnectionError"
    assert caught.value.retryable


async def test_a_cloud_agent_without_a_key_fails_clearly() -> None:
    async with started(api_key=None) as executor:
        ctx, _ = make_ctx("agent-1", "answer")
        with pytest.raises(ExecutionError) as caught:
            await executor.execute(ctx)
    assert caught.value.error_type == "ExecutorUnavailable"
    assert "RUNAGENT_SERVERLESS_API_KEY" in caught.value.message
    assert not caught.value.retryable


async def test_a_disabled_executor_refuses_to_run() -> None:
    async with started(enabled=False, api_key=KEY) as executor:
        ctx, _ = make_ctx("agent-1", "answer")
        with pytest.raises(ExecutionError) as caught:
            await executor.execute(ctx)
    assert "ENABLE_SERVERLESS_INTEGRATION" in caught.value.message


@pytest.mark.parametrize("host", ["169.254.169.254", "metadata.google.internal", "0.0.0.0"])
async def test_a_forbidden_agent_host_is_refused_at_run_time(host: str) -> None:
    async with started() as executor:
        ctx, _ = make_ctx("agent-1", "answer", host=host, port=8450)
        with pytest.raises(ExecutionError) as caught:
            await executor.execute(ctx)
    assert caught.value.error_type == "UnsafeAgentHost"
    assert not caught.value.retryable


async def test_a_burst_keeps_at_most_max_in_flight_requests_open() -> None:
    """20 runs at once with ``max_in_flight=3``: the stand-in holds every request until 3 are
    open, and never sees more than 3 at a time; all 20 then succeed."""
    state = {"open": 0, "peak": 0}
    release = asyncio.Event()
    ok = answer("200 OK", {"success": True, "data": structured("string", "done")})

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state["open"] += 1
        state["peak"] = max(state["peak"], state["open"])
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        await reader.readexactly(length)
        await release.wait()
        state["open"] -= 1
        writer.write(ok)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with started(
            api_key=KEY, base_url=f"http://127.0.0.1:{port}", max_in_flight=3
        ) as executor:
            runs = [
                asyncio.create_task(executor.execute(make_ctx("agent-1", "answer")[0]))
                for _ in range(20)
            ]
            await wait_until(lambda: state["open"] == 3, what="3 requests open")
            release.set()
            results = await asyncio.gather(*runs)
    finally:
        server.close()
        await server.wait_closed()
    assert results == ["done"] * 20
    assert state["peak"] == 3
