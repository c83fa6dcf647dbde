"""send_once against real HTTP servers on 127.0.0.1 (no mocks below httpx)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
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

pytestmark = pytest.mark.slow


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class TinyServer:
    """A raw HTTP/1.1 server whose reply is chosen per test."""

    reply: bytes = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    hang: bool = False
    received: list[Received] = field(default_factory=list)
    connections: int = 0
    release: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {
                k.strip().lower(): v.strip()
                for k, _, v in (line.partition(":") for line in lines[1:] if line)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.received.append(Received(method, path, headers, body))
            if self.hang:
                await self.release.wait()
                return
            writer.write(self.reply)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/results"


@pytest.fixture
async def server() -> AsyncIterator[TinyServer]:
    tiny = TinyServer()
    srv = await asyncio.start_server(tiny.handle, "127.0.0.1", 0)
    tiny.port = srv.sockets[0].getsockname()[1]
    try:
        yield tiny
    finally:
        tiny.release.set()
        srv.close()
        await srv.wait_closed()


def response(status: str, *headers: str, body: bytes = b"") -> bytes:
    lines = [f"HTTP/1.1 {status}", f"content-length: {len(body)}", "connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


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
    server: TinyServer,
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


async def test_localhost_name_reaches_the_server(server: TinyServer) -> None:
    outcome = await post(f"http://localhost:{server.port}/results")
    assert outcome.disposition == "delivered"
    assert server.received[0].headers["host"] == f"localhost:{server.port}"


async def test_redirect_is_a_failure_and_not_followed(server: TinyServer) -> None:
    server.reply = response("307 Temporary Redirect", "location: https://example.org/elsewhere")
    outcome = await post(server.url)
    assert outcome.disposition == "retry"
    assert outcome.status_code == 307
    assert outcome.error == (
        "redirect to https://example.org/elsewhere not followed (3xx counts as failure)"
    )
    assert server.connections == 1


async def test_hanging_server_times_out(server: TinyServer) -> None:
    server.hang = True
    outcome = await post(server.url, wait=0.2)
    assert outcome.disposition == "retry"
    assert outcome.status_code is None
    assert outcome.error == "timed out after 0.2s"


async def test_410_stops(server: TinyServer) -> None:
    server.reply = response("410 Gone")
    outcome = await post(server.url)
    assert (outcome.disposition, outcome.status_code) == ("gone", 410)


async def test_503_with_retry_after(server: TinyServer) -> None:
    server.reply = response("503 Service Unavailable", "retry-after: 42", body=b"busy")
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


async def test_metadata_address_is_refused_without_connecting(server: TinyServer) -> None:
    outcome = await post("http://169.254.169.254/latest/meta-data/", wait=0.5)
    assert outcome.disposition == "retry"
    assert outcome.error is not None
    assert outcome.error.startswith("URL refused: 169.254.169.254 is a cloud metadata endpoint")
    assert outcome.status_code is None


async def test_private_target_refused_when_not_allowed(server: TinyServer) -> None:
    for url in (server.url, f"http://localhost:{server.port}/results"):
        outcome = await post(url, allow_private=False)
        assert outcome.disposition == "retry"
        assert outcome.error is not None
        assert outcome.error.startswith("URL refused:")
        assert "loopback" in outcome.error
    assert server.connections == 0
