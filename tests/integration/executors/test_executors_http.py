"""The ``http`` executor against a real HTTP server on 127.0.0.1 (:class:`HttpTarget`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import orjson
import pytest

from runagent_pulse.domain.errors import ExecutionError
from runagent_pulse.executors.base import ExecutionContext
from runagent_pulse.executors.http import HttpExecutor
from tests.support.executors import execution_context
from tests.support.http_target import HttpTarget
from tests.support.processes import free_port
from tests.support.waiting import wait_until


def make_ctx(params: dict[str, Any]) -> ExecutionContext:
    return execution_context("http", "request", params, run_id="run_http_1")


@pytest.fixture
def target() -> Iterator[HttpTarget]:
    server = HttpTarget().start()
    yield server
    server.stop()


@pytest.fixture
async def executor() -> AsyncIterator[HttpExecutor]:
    http = HttpExecutor(allow_private=True, max_response_bytes=4096, max_connections=4)
    await http.start()
    try:
        yield http
    finally:
        await http.close()


async def test_json_success_carries_the_run_id_as_idempotency_key(
    executor: HttpExecutor, target: HttpTarget
) -> None:
    params = {
        "url": f"{target.url}/hook?x=1",
        "method": "post",
        "body": {"hello": "world"},
        "headers": {"Authorization": "Bearer s3cret", "X-Trace": "t-1"},
    }
    result = await executor.execute(make_ctx(params))
    assert result["status"] == 200
    assert result["truncated"] is False
    assert result["headers"]["content-type"] == "application/json"
    assert "set-cookie" not in result["headers"]
    assert result["body"] == {"method": "POST", "path": "/hook?x=1", "body": '{"hello":"world"}'}
    [seen] = target.received
    assert seen.headers["idempotency-key"] == "run_http_1"
    assert seen.headers["authorization"] == "Bearer s3cret"
    assert seen.headers["x-trace"] == "t-1"
    assert seen.headers["content-type"] == "application/json"
    assert orjson.loads(seen.body) == {"hello": "world"}


async def test_text_body_and_get(executor: HttpExecutor, target: HttpTarget) -> None:
    sent = await executor.execute(
        make_ctx({"url": f"{target.url}/t", "body": "plain words", "method": "PUT"})
    )
    assert sent["body"]["body"] == "plain words"
    assert target.received[0].headers["content-type"] == "text/plain; charset=utf-8"
    got = await executor.execute(make_ctx({"url": f"{target.url}/bytes/3", "method": "GET"}))
    assert got["body"] == "xxx"
    assert target.received[1].method == "GET"
    assert target.received[1].body == b""


async def test_a_json_answer_with_an_integer_beyond_64_bits_is_kept_as_its_text(
    executor: HttpExecutor, target: HttpTarget
) -> None:
    answer = '{"id": 123456789012345678901234567890, "ok": true}'
    result = await executor.execute(make_ctx({"url": f"{target.url}/json", "body": answer}))
    assert result["headers"]["content-type"] == "application/json"
    assert result["body"] == answer
    small = await executor.execute(make_ctx({"url": f"{target.url}/json", "body": '{"id": 7}'}))
    assert small["body"] == {"id": 7}


@pytest.mark.parametrize(
    ("code", "retryable"),
    [(500, True), (503, True), (429, True), (408, True), (404, False), (400, False)],
)
async def test_non_2xx_fails_with_status_and_excerpt(
    executor: HttpExecutor, target: HttpTarget, code: int, retryable: bool
) -> None:
    with pytest.raises(ExecutionError) as caught:
        await executor.execute(make_ctx({"url": f"{target.url}/status/{code}"}))
    assert caught.value.error_type == "HTTPStatus"
    assert f"answered HTTP {code}" in caught.value.message
    assert f"answer of status {code}" in caught.value.message
    assert caught.value.retryable is retryable


async def test_redirects_are_not_followed(executor: HttpExecutor, target: HttpTarget) -> None:
    with pytest.raises(ExecutionError) as caught:
        await executor.execute(make_ctx({"url": f"{target.url}/status/302"}))
    assert "HTTP 302" in caught.value.message
    assert caught.value.retryable is False
    assert len(target.received) == 1


async def test_connection_refused_is_retryable(executor: HttpExecutor) -> None:
    with pytest.raises(ExecutionError) as caught:
        await executor.execute(make_ctx({"url": f"http://127.0.0.1:{free_port()}/x"}))
    assert caught.value.error_type == "ConnectionError"
    assert "connection refused" in caught.value.message
    assert caught.value.retryable is True


async def test_response_over_the_cap_is_truncated(
    executor: HttpExecutor, target: HttpTarget
) -> None:
    result = await executor.execute(make_ctx({"url": f"{target.url}/bytes/10000"}))
    assert result["truncated"] is True
    assert result["body"] == "x" * 4096
    exact = await executor.execute(make_ctx({"url": f"{target.url}/bytes/4096"}))
    assert exact["truncated"] is False


async def test_metadata_address_is_refused_at_connect_time(target: HttpTarget) -> None:
    async def rebinding(host: str, port: int) -> list[str]:
        return ["169.254.169.254"]

    http = HttpExecutor(allow_private=True, max_response_bytes=1024, resolver=rebinding)
    await http.start()
    try:
        with pytest.raises(ExecutionError) as caught:
            await http.execute(make_ctx({"url": "http://agents.example.test/run"}))
    finally:
        await http.close()
    assert caught.value.error_type == "UnsafeURL"
    assert "metadata" in caught.value.message
    assert caught.value.retryable is False


async def test_private_address_refused_when_not_allowed(target: HttpTarget) -> None:
    http = HttpExecutor(allow_private=False, max_response_bytes=1024)
    await http.start()
    try:
        with pytest.raises(ExecutionError) as caught:
            await http.execute(make_ctx({"url": f"{target.url}/x"}))
    finally:
        await http.close()
    assert caught.value.error_type == "UnsafeURL"
    assert "PULSE_CALLBACK_ALLOW_PRIVATE" in caught.value.message
    assert target.received == []


async def test_a_burst_waits_for_slots_and_never_exceeds_the_pool(target: HttpTarget) -> None:
    http = HttpExecutor(allow_private=True, max_response_bytes=1024, max_connections=4)
    await http.start()
    try:
        runs = [
            asyncio.create_task(http.execute(make_ctx({"url": f"{target.url}/slow"})))
            for _ in range(12)
        ]
        await wait_until(lambda: _count(target, 4), what="4 requests in flight")
        assert len(target.received) == 4  # the other 8 runs wait for a slot
        target.release.set()
        results = await asyncio.gather(*runs)
    finally:
        await http.close()
    assert [r["body"] for r in results] == [{"slow": True}] * 12
    assert len(target.received) == 12
    assert target.connections <= 4


async def _count(target: HttpTarget, expected: int) -> bool:
    return len(target.received) >= expected
