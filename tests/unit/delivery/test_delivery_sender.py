"""send_once classification with httpx.MockTransport (no network)."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from runagent_pulse.delivery.sender import AttemptOutcome, make_client, parse_retry_after, send_once

URL = "http://hooks.example/results"
HEADERS = {"content-type": "application/json", "webhook-id": "msg_1"}


async def resolve(host: str, port: int) -> list[str]:
    return {"hooks.example": ["93.184.216.34"], "inside.example": ["10.0.0.7"]}[host]


async def attempt(handler, *, url: str = URL, allow_private: bool = False) -> AttemptOutcome:  # type: ignore[no-untyped-def]
    async with make_client(
        allow_private=allow_private,
        timeout=5,
        resolver=resolve,
        transport=httpx.MockTransport(handler),
    ) as client:
        return await send_once(
            client, url=url, body=b'{"a":1}', headers=HEADERS, timeout=5, clock=lambda: 1_000.0
        )


@pytest.mark.parametrize("code", [200, 201, 202, 204, 299])
async def test_2xx_is_delivered(code: int) -> None:
    outcome = await attempt(lambda r: httpx.Response(code))
    assert (outcome.disposition, outcome.status_code, outcome.error) == ("delivered", code, None)
    assert outcome.duration_ms >= 0


async def test_request_carries_body_and_headers() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    await attempt(handler)
    (request,) = seen
    assert request.method == "POST"
    assert request.content == b'{"a":1}'
    assert request.headers["webhook-id"] == "msg_1"
    assert request.headers["host"] == "hooks.example"
    assert request.headers["user-agent"].startswith("runagent-pulse/")


async def test_410_stops() -> None:
    outcome = await attempt(lambda r: httpx.Response(410))
    assert outcome.disposition == "gone"
    assert outcome.status_code == 410
    assert outcome.error is not None
    assert "410" in outcome.error


async def test_redirect_is_not_followed() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(302, headers={"location": "https://elsewhere.example/x"})

    outcome = await attempt(handler)
    assert outcome.disposition == "retry"
    assert outcome.status_code == 302
    assert outcome.error == (
        "redirect to https://elsewhere.example/x not followed (3xx counts as failure)"
    )
    assert len(calls) == 1


async def test_5xx_with_retry_after_seconds() -> None:
    outcome = await attempt(
        lambda r: httpx.Response(503, headers={"retry-after": "120"}, text="overloaded")
    )
    assert outcome.disposition == "retry"
    assert outcome.status_code == 503
    assert outcome.retry_after == 120
    assert outcome.error == "HTTP 503 Service Unavailable: overloaded"


async def test_4xx_is_retried_with_a_short_body_excerpt() -> None:
    outcome = await attempt(lambda r: httpx.Response(400, text="x" * 5000))
    assert outcome.disposition == "retry"
    assert outcome.error is not None
    assert outcome.error.startswith("HTTP 400 Bad Request: xxx")
    assert len(outcome.error) < 400


async def test_timeout_is_retried() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    outcome = await attempt(handler)
    assert (outcome.disposition, outcome.error) == ("retry", "timed out after 5s")


async def test_connection_refused_is_retried() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    outcome = await attempt(handler)
    assert (outcome.disposition, outcome.error) == ("retry", "connection refused")


async def test_protocol_error_is_retried() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("Server disconnected", request=request)

    outcome = await attempt(handler)
    assert outcome.disposition == "retry"
    assert outcome.error == "connection error: Server disconnected"


async def test_unsafe_url_is_retried_with_reason_and_never_sent() -> None:
    calls: list[httpx.Request] = []
    outcome = await attempt(
        lambda r: calls.append(r) or httpx.Response(200), url="http://inside.example/"
    )
    assert outcome.disposition == "retry"
    assert outcome.error is not None
    assert outcome.error.startswith("URL refused: inside.example resolves to 10.0.0.7")
    assert calls == []


async def test_bad_scheme_is_reported_not_raised() -> None:
    outcome = await attempt(lambda r: httpx.Response(200), url="ftp://hooks.example/")
    assert outcome.disposition == "retry"
    assert outcome.error is not None
    assert "scheme 'ftp'" in outcome.error


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("30", 30.0),
        (" 2.5 ", 2.5),
        ("-5", 0.0),
        ("soon", None),
        ("nan", None),
        (email.utils.formatdate(1_090, usegmt=True), 90.0),
        (email.utils.formatdate(900, usegmt=True), 0.0),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=1_000.0) == expected


async def test_make_client_settings() -> None:
    async with make_client(allow_private=True, timeout=7) as client:
        assert client.follow_redirects is False
        assert client.trust_env is False
        assert client.timeout.read == 7
