"""The ``http`` executor: one HTTP request per run; the response is the run's result.

The task's params describe the request (:mod:`.http_request`). Each run sends it with
``Idempotency-Key: <run id>`` through the SSRF guard (:class:`VettedTransport`: the host is
resolved, every address vetted, and the connection made to the vetted address; redirects are
not followed). The result is::

    {"status": 200, "headers": {"content-type": ...}, "body": <JSON or text>, "truncated": false}

``body`` is parsed JSON when the response says ``application/json`` (or ``+json``), else text,
``None`` when empty. Only the first ``max_response_bytes`` are read: beyond that the body is the
text read so far and ``truncated`` is true.

Failures (``error.type``):

- ``HTTPStatus``: any non-2xx answer, with the status and a body excerpt; retried for 408, 425,
  429 and 5xx, not for other codes (a 404 will not heal by retrying, a 3xx is not followed);
- ``ConnectionError``: refused, reset, unresolvable host, connect timeout — retried;
- ``UnsafeURL``: the host resolves to a refused address — not retried;
- ``InvalidRequest``: the stored params no longer form a valid request — not retried.

A run that outlasts the task's timeout is stopped by the engine (status ``timeout``, retried per
the policy). At most ``max_connections`` requests are in flight; further runs wait for a slot,
so a burst never exhausts the connection pool. The slots are spread over several small clients
(:data:`SHARD_CONNECTIONS` connections each): httpcore's pool does work proportional to queued
requests × connections on every event, so one pool of 100 is several times slower than ten of 10.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
import orjson

from runagent_pulse.common import exact_json
from runagent_pulse.common.http_client import describe_connect_error, guarded_client
from runagent_pulse.common.netguard import Resolver
from runagent_pulse.domain.errors import ExecutionError, UnsafeURL, ValidationError
from runagent_pulse.executors.base import ExecutionContext, Executor
from runagent_pulse.executors.http_request import HTTP, HttpRequest, parse_request
from runagent_pulse.observability import tracing

__all__ = ["HttpExecutor"]

RESULT_HEADERS = (
    "content-type",
    "content-length",
    "etag",
    "last-modified",
    "location",
    "retry-after",
    "x-request-id",
)
"""Response headers kept in the result (never cookies or credentials)."""
RETRYABLE_STATUSES = frozenset({408, 425, 429})
EXCERPT_CHARS = 500
CONNECT_TIMEOUT = 10.0
SHARD_CONNECTIONS = 10
"""Connections per client: small pools keep httpcore's per-event bookkeeping cheap."""


def _encode_body(request: HttpRequest) -> tuple[bytes | None, str | None]:
    """The bytes to send and their default content type."""
    if not request.has_body:
        return None, None
    if isinstance(request.body, str):
        return request.body.encode(), "text/plain; charset=utf-8"
    return orjson.dumps(request.body), "application/json"


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _decode(data: bytes, response: httpx.Response, truncated: bool) -> Any:
    if not data:
        return None
    if not truncated and _is_json(response.headers.get("content-type", "")):
        try:  # an integer beyond 64 bits cannot be stored: such an answer stays text
            return exact_json.loads(data, refuse_big_integers=True)
        except ValueError:
            pass
    return data.decode(response.encoding or "utf-8", errors="replace")


def _excerpt(data: bytes) -> str:
    text = " ".join(data[: EXCERPT_CHARS * 4].decode("utf-8", "replace").split())
    return text[:EXCERPT_CHARS] + ("…" if len(text) > EXCERPT_CHARS else "")


@dataclass(slots=True)
class _Shard:
    client: httpx.AsyncClient
    slots: asyncio.Semaphore
    load: int = 0
    """Runs holding or waiting for one of ``slots``."""


class HttpExecutor(Executor):
    """Calls the URL in the task's params; see the module docstring."""

    name: ClassVar[str] = HTTP

    def __init__(
        self,
        *,
        allow_private: bool,
        max_response_bytes: int,
        max_connections: int = 100,
        resolver: Resolver | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.max_response_bytes = max_response_bytes
        self.max_connections = max_connections
        self._resolver = resolver
        self._shards: list[_Shard] = []

    def validate_params(self, params: dict[str, Any]) -> None:
        parse_request(params, allow_private=self.allow_private)

    def _client(self, connections: int) -> httpx.AsyncClient:
        return guarded_client(
            allow_private=self.allow_private,
            # The run's timeout bounds the whole call; only connecting has its own bound.
            timeout=httpx.Timeout(None, connect=CONNECT_TIMEOUT),
            max_connections=connections,
            resolver=self._resolver,
        )

    async def start(self) -> None:
        remaining = self.max_connections
        while remaining > 0:
            size = min(SHARD_CONNECTIONS, remaining)
            self._shards.append(_Shard(self._client(size), asyncio.Semaphore(size)))
            remaining -= size

    async def close(self) -> None:
        shards, self._shards = self._shards, []
        for shard in shards:
            await shard.client.aclose()

    async def execute(self, ctx: ExecutionContext) -> Any:
        if not self._shards:
            raise RuntimeError("HttpExecutor.start() was not called")
        try:
            request = parse_request(ctx.params, allow_private=self.allow_private)
        except UnsafeURL as exc:
            raise ExecutionError("UnsafeURL", exc.message, retryable=False) from None
        except ValidationError as exc:
            raise ExecutionError("InvalidRequest", exc.message, retryable=False) from None
        content, content_type = _encode_body(request)
        headers = dict(request.headers)
        if content_type and not any(name.lower() == "content-type" for name in headers):
            headers["content-type"] = content_type
        headers["idempotency-key"] = ctx.run_id
        tracing.inject_traceparent(headers)
        shard = min(self._shards, key=lambda candidate: candidate.load)
        shard.load += 1
        try:
            async with shard.slots:
                return await self._send(shard.client, request, headers, content)
        finally:
            shard.load -= 1

    async def _send(
        self,
        client: httpx.AsyncClient,
        request: HttpRequest,
        headers: dict[str, str],
        content: bytes | None,
    ) -> Any:
        target = f"{request.method} {request.url}"
        try:
            built = client.build_request(
                request.method, request.url, headers=headers, content=content
            )
            response = await client.send(built, stream=True)
            try:
                data, truncated = await self._read(response)
            finally:
                await response.aclose()
        except UnsafeURL as exc:
            raise ExecutionError("UnsafeURL", f"{target}: {exc.message}", retryable=False) from None
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            message = f"{target}: {describe_connect_error(exc)}"
            raise ExecutionError("ConnectionError", message) from None
        except httpx.HTTPError as exc:
            detail = str(exc) or type(exc).__name__
            raise ExecutionError("ConnectionError", f"{target}: {detail}") from None
        code = response.status_code
        if not response.is_success:
            reason = f"HTTP {code} {response.reason_phrase}".rstrip()
            if response.is_redirect:
                where = response.headers.get("location", "?")
                reason += f" (redirect to {where} not followed)"
            excerpt = _excerpt(data)
            raise ExecutionError(
                "HTTPStatus",
                f"{target} answered {reason}" + (f": {excerpt}" if excerpt else ""),
                retryable=code >= 500 or code in RETRYABLE_STATUSES,
            )
        return {
            "status": code,
            "headers": {
                name: response.headers[name] for name in RESULT_HEADERS if name in response.headers
            },
            "body": _decode(data, response, truncated),
            "truncated": truncated,
        }

    async def _read(self, response: httpx.Response) -> tuple[bytes, bool]:
        """At most ``max_response_bytes`` of the body, and whether more was left unread."""
        limit = self.max_response_bytes
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                return b"".join(chunks)[:limit], True
        return b"".join(chunks), False
