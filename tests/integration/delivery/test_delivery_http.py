"""send_once against real HTTP servers on 127.0.0.1 (no mocks below httpx)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook

from runagent_pulse.delivery import (
    AttemptOutcome,
    build_payload,
    encode_payload,
    generate_secret,
    make_client,
    send_once,
    webhook_headers,
)
from tests.integration.raw_http import RawReceiver, raw_receiver, response

pytestmark = pytest.mark.slow


@pytest.fixture
async def server() -> AsyncIterator[RawReceiver]:
    async with raw_receiver() as receiver:
        yield receiver


async def post(
    url: str,
    *,
    allow_private: bool = True,
    wait: float = 5,
    body: bytes = b'{"task_id":"t","execution_id":"r"}',
    headers: dict[str, str] | None = None,
) -> AttemptOutcome:
    headers = headers or {"content-type": "application/json", "webhook-id": "msg_1"}
    async with make_client(allow_private=allow_private, timeout=wait) as client:
        return await send_once(client, url=url, body=body, headers=headers, timeout=wait)


async def test_200_delivers_a_signed_payload_the_reference_library_accepts(
    server: RawReceiver,
) -> None:
    secret = generate_secret()
    payload = build_payload(
        task_id="tsk_1",
        run_id="run_1",
        status="success",
        result={"ok": True},
        error=None,
        duration_ms=12,
        finished_at=datetime.now(UTC),
        attempt=1,
        scheduled_for=datetime.now(UTC),
    )
    body = encode_payload(payload)
    headers = webhook_headers(secret, "msg_run_1", int(time.time()), body)
    outcome = await post(server.url, body=body, headers=headers)
    assert (outcome.disposition, outcome.status_code, outcome.error) == ("delivered", 200, None)
    (got,) = server.received
    assert (got.method, got.path) == ("POST", "/results")
    assert got.headers["host"] == f"127.0.0.1:{server.port}"
    assert Webhook(secret).verify(got.body, got.headers) == payload
    assert json.loads(got.body)["execution_id"] == "run_1"


async def test_localhost_name_reaches_the_server(server: RawReceiver) -> None:
    outcome = await post(f"http://localhost:{server.port}/results")
    assert outcome.disposition == "delivered"
    assert server.received[0].headers["host"] == f"localhost:{server.port}"


async def test_redirect_is_a_failure_and_not_followed(server: RawReceiver) -> None:
    server.default = response("307 Temporary Redirect", "location: https://example.org/elsewhere")
    outcome = await post(server.url)
    assert outcome.disposition == "retry"
    assert outcome.status_code == 307
    assert outcome.error == (
        "redirect to https://example.org/elsewhere not followed (3xx counts as failure)"
    )
    assert server.connections == 1


async def test_hanging_server_times_out(server: RawReceiver) -> None:
    server.hang = True
    outcome = await post(server.url, wait=0.2)
    assert outcome.disposition == "retry"
    assert outcome.status_code is None
    assert outcome.error == "timed out after 0.2s"


async def test_410_stops(server: RawReceiver) -> None:
    server.default = response("410 Gone")
    outcome = await post(server.url)
    assert (outcome.disposition, outcome.status_code) == ("gone", 410)


async def test_503_with_retry_after(server: RawReceiver) -> None:
    server.default = response("503 Service Unavailable", "retry-after: 42", body=b"busy")
    outcome = await post(server.url)
    assert outcome.disposition == "retry"
    assert outcome.status_code == 503
    assert outcome.retry_after == 42
    assert outcome.error == "HTTP 503 Service Unavailable: busy"


async def test_connection_refused() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago and is not listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    outcome = await post(f"http://127.0.0.1:{port}/results")
    assert (outcome.disposition, outcome.error) == ("retry", "connection refused")


async def test_metadata_address_is_refused_without_connecting(server: RawReceiver) -> None:
    outcome = await post("http://169.254.169.254/latest/meta-data/", wait=0.5)
    assert outcome.disposition == "retry"
    assert outcome.error is not None
    assert outcome.error.startswith("URL refused: 169.254.169.254 is a cloud metadata endpoint")
    assert outcome.status_code is None


async def test_private_target_refused_when_not_allowed(server: RawReceiver) -> None:
    for url in (server.url, f"http://localhost:{server.port}/results"):
        outcome = await post(url, allow_private=False)
        assert outcome.disposition == "retry"
        assert outcome.error is not None
        assert outcome.error.startswith("URL refused:")
        assert "loopback" in outcome.error
    assert server.connections == 0
