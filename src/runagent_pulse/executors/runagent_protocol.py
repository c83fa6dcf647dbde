"""Pulse's own async client of the RunAgent agent-run protocol (REST, and WebSocket streaming).

One run is ``POST {base}/agents/{agent_id}/run`` with ``{"entrypoint_tag", "input_args",
"input_kwargs", "timeout_seconds", "async_execution": false}`` (+ ``user_id``,
``persistent_memory``); the answer is ``{"success": true, "data": "<JSON of {type, payload}>"}``
or ``{"success": false, "error": {code, message, suggestion} | "[CODE] message"}``, or an HTTP
error with ``{"detail": ...}``. Entrypoints whose tag ends in ``_stream`` use the WebSocket
``{base}/agents/{agent_id}/run-stream``: send the same request, then receive
``{"type": "status", "status": "stream_started"}``, ``{"type": "data", "content": "<{type,
payload}>"}`` per chunk, and ``{"type": "status", "status": "stream_completed"}`` — or
``{"type": "error", "error"|"detail": ...}``.

Every failure becomes an :class:`ExecutionError` whose ``error_type`` is one of
:data:`ERROR_TYPES` (see ``docs/executors.md``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from runagent_pulse.common import exact_json
from runagent_pulse.domain.errors import ExecutionError
from runagent_pulse.executors.base import ExecutionContext

__all__ = [
    "ERROR_TYPES",
    "STREAM_SUFFIX",
    "AgentEndpoint",
    "decode_structured",
    "error_from_answer",
    "run_agent",
    "stream_agent",
]

STREAM_SUFFIX = "_stream"
MAX_MESSAGE_BYTES = 10 * 1024 * 1024
MAX_STREAM_CHUNKS = 10_000
EXCERPT_CHARS = 500

AUTHENTICATION = "RunAgentAuthenticationError"
PERMISSION = "RunAgentPermissionError"
NOT_FOUND = "RunAgentNotFound"
INVALID_REQUEST = "RunAgentInvalidRequest"
AGENT_ERROR = "RunAgentAgentError"
SERVER_ERROR = "RunAgentServerError"
TIMEOUT = "RunAgentTimeout"
CONNECTION = "RunAgentConnectionError"
MALFORMED = "RunAgentMalformedResponse"

ERROR_TYPES: dict[str, bool] = {
    AUTHENTICATION: False,
    PERMISSION: False,
    NOT_FOUND: False,
    INVALID_REQUEST: False,
    AGENT_ERROR: True,
    SERVER_ERROR: True,
    TIMEOUT: True,
    CONNECTION: True,
    MALFORMED: False,
}
"""Every error type a RunAgent run can end with, and whether the retry policy retries it."""

_BY_STATUS = {401: AUTHENTICATION, 403: PERMISSION, 404: NOT_FOUND}
_BY_CODE = {
    "AUTHENTICATION_ERROR": AUTHENTICATION,
    "PERMISSION_ERROR": PERMISSION,
    "NOT_FOUND": NOT_FOUND,
    "VALIDATION_ERROR": INVALID_REQUEST,
}
_HINTS = {
    AUTHENTICATION: "check RUNAGENT_SERVERLESS_API_KEY",
    PERMISSION: "the API key may not run this agent; check the agent id and the key's account",
    NOT_FOUND: "check agent_id and entrypoint_tag (the agent's runagent.config.json lists them)",
}


@dataclass(frozen=True, slots=True)
class AgentEndpoint:
    """Where a RunAgent agent answers: ``base_url`` ends in ``/api/v1``."""

    base_url: str
    api_key: str | None = None

    @property
    def ws_url(self) -> str:
        scheme, _, rest = self.base_url.partition("://")
        return f"{'wss' if scheme == 'https' else 'ws'}://{rest}"

    def redact(self, text: str) -> str:
        """``text`` without the API key in it."""
        if not self.api_key:
            return text
        return text.replace(quote(self.api_key, safe=""), "***").replace(self.api_key, "***")

    def headers(self, run_id: str) -> dict[str, str]:
        headers = {"Idempotency-Key": run_id, "X-Request-ID": run_id}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers


def _failure(error_type: str, message: str) -> ExecutionError:
    return ExecutionError(error_type, message[:2000], retryable=ERROR_TYPES[error_type])


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()[:EXCERPT_CHARS]


def _split_code(text: str) -> tuple[str | None, str]:
    """``"[CODE] message"`` → ``("CODE", "message")``; other text has no code."""
    if text.startswith("[") and "]" in text:
        code, _, message = text[1:].partition("]")
        if code and code.replace("_", "").isalnum() and code.upper() == code:
            return code, message.strip()
    return None, text


def _describe(error: Any) -> tuple[str | None, str]:
    """The code and the message (with its suggestion) of an answer's ``error`` field."""
    if isinstance(error, dict):
        code = error.get("code")
        message = _text(error.get("message") or "unknown error")
        suggestion = error.get("suggestion")
        if suggestion:
            message = f"{message} (suggestion: {_text(suggestion)})"
        return (str(code) if code else None), message
    return _split_code(_text(error) if error is not None else "unknown error")


def error_from_answer(status: int, answer: Any) -> ExecutionError:
    """The run error for a failed answer: HTTP ``status`` and its decoded JSON body (or text)."""
    body = answer if isinstance(answer, dict) else {}
    if body.get("error") is not None:
        code, message = _describe(body["error"])
    elif "detail" in body:
        code, message = _split_code(_text(body["detail"]))
    else:
        code, message = None, _text(answer) if answer else f"HTTP {status}"
    error_type = _BY_STATUS.get(status) or _BY_CODE.get(code or "")
    if error_type is None:
        if status >= 500 and body.get("success") is not False:
            error_type = SERVER_ERROR
        elif status >= 400 and body.get("success") is not False:
            error_type = INVALID_REQUEST
        else:
            error_type = AGENT_ERROR
    prefix = f"[{code}] " if code else ""
    text = f"{prefix}{message}"
    if error_type in (SERVER_ERROR, AUTHENTICATION, PERMISSION, NOT_FOUND, INVALID_REQUEST):
        text = f"HTTP {status}: {text}" if status >= 400 else text
    hint = _HINTS.get(error_type)
    return _failure(error_type, f"{text}; {hint}" if hint else text)


def _loads(text: str | bytes, what: str) -> Any:
    try:
        return exact_json.loads(text)
    except ValueError as exc:
        raise _failure(MALFORMED, f"{what} is not JSON ({exc}): {str(text)[:200]!r}") from exc


_SCALAR_TYPES: dict[str, Callable[[Any], Any]] = {"integer": int, "number": float}


def decode_structured(data: Any) -> Any:
    """The agent's return value from a ``{"type", "payload"}`` envelope (JSON text or object).

    Raises:
        ExecutionError: ``RunAgentMalformedResponse`` when it is not such an envelope.
    """
    if data is None:
        return None
    envelope = _loads(data, "the agent's answer") if isinstance(data, str | bytes) else data
    if isinstance(envelope, dict) and isinstance(envelope.get("result_data"), dict):
        return decode_structured(envelope["result_data"].get("data"))  # legacy detailed answer
    if not isinstance(envelope, dict) or "type" not in envelope or "payload" not in envelope:
        raise _failure(
            MALFORMED, f"expected a {{type, payload}} object, got {_text(envelope)[:200]}"
        )
    kind, payload = envelope["type"], envelope["payload"]
    if kind == "null":
        return None
    if not isinstance(payload, str):
        return payload
    if not payload.strip():
        return "" if kind == "string" else None
    value = _loads(payload, f"the {kind} payload")
    convert = _SCALAR_TYPES.get(kind)
    if convert is not None and isinstance(value, int | float) and not isinstance(value, bool):
        return convert(value)
    return value


def run_body(ctx: ExecutionContext) -> dict[str, Any]:
    """The request the protocol sends for ``ctx`` (params are the keyword arguments)."""
    remaining = max(1, math.ceil(ctx.deadline - time.monotonic()))
    body: dict[str, Any] = {
        "entrypoint_tag": ctx.entrypoint_tag,
        "input_args": [],
        "input_kwargs": ctx.params,
        "timeout_seconds": remaining,
        "async_execution": False,
    }
    if ctx.user_id is not None:
        body["user_id"] = ctx.user_id
    if ctx.persistent_memory:
        body["persistent_memory"] = True
    return body


def _agent_path(agent_id: str, leaf: str) -> str:
    return f"/agents/{quote(agent_id, safe='')}/{leaf}"


async def run_agent(http: httpx.AsyncClient, endpoint: AgentEndpoint, ctx: ExecutionContext) -> Any:
    """Run one non-streaming entrypoint and return the agent's value.

    Raises:
        ExecutionError: one of :data:`ERROR_TYPES`.
    """
    body = run_body(ctx)
    remaining = max(0.1, ctx.deadline - time.monotonic())
    try:
        response = await http.post(
            endpoint.base_url + _agent_path(ctx.agent_id, "run"),
            json=body,
            headers=endpoint.headers(ctx.run_id),
            timeout=httpx.Timeout(remaining, connect=min(remaining, 10.0)),
        )
    except httpx.TimeoutException as exc:
        raise _failure(TIMEOUT, f"no answer from {endpoint.base_url} in time ({exc!r})") from exc
    except httpx.TransportError as exc:
        raise _failure(CONNECTION, f"cannot reach {endpoint.base_url}: {exc!r}") from exc
    try:
        answer: Any = exact_json.loads(response.content)
    except ValueError:
        answer = response.text[:EXCERPT_CHARS]
    if response.is_success and isinstance(answer, dict) and answer.get("success") is True:
        return decode_structured(answer.get("data"))
    if response.is_success and not (isinstance(answer, dict) and answer.get("success") is False):
        raise _failure(
            MALFORMED, f"HTTP {response.status_code} without success: {_text(answer)[:200]}"
        )
    raise error_from_answer(response.status_code, answer)


async def stream_agent(
    endpoint: AgentEndpoint,
    ctx: ExecutionContext,
    on_chunk: Callable[[int, Any], None],
) -> list[Any]:
    """Run a streaming entrypoint; report each chunk and return them all, in order.

    Raises:
        ExecutionError: one of :data:`ERROR_TYPES`.
    """
    # Loaded by the first streaming run: ~10 ms of every start of a node that never streams.
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus, WebSocketException

    url = endpoint.ws_url + _agent_path(ctx.agent_id, "run-stream")
    if endpoint.api_key:  # the cloud reads the key from the query too
        url += f"?token={quote(endpoint.api_key, safe='')}"
    remaining = max(0.1, ctx.deadline - time.monotonic())
    chunks: list[Any] = []
    try:
        async with connect(
            url,
            additional_headers=endpoint.headers(ctx.run_id),
            max_size=MAX_MESSAGE_BYTES,
            open_timeout=min(remaining, 30.0),
        ) as socket:
            await socket.send(orjson.dumps(run_body(ctx)).decode())
            async for raw in socket:
                message = _loads(raw, "a stream message")
                if not isinstance(message, dict):
                    raise _failure(MALFORMED, f"stream message is not an object: {_text(message)}")
                kind = message.get("type")
                if kind == "error":
                    raise _stream_error(message.get("error") or message.get("detail"))
                if kind == "status" and message.get("status") == "stream_completed":
                    return chunks
                if kind == "data":
                    if len(chunks) >= MAX_STREAM_CHUNKS:
                        raise _failure(
                            MALFORMED, f"the stream sent more than {MAX_STREAM_CHUNKS} chunks"
                        )
                    chunk = _stream_chunk(message.get("content"))
                    on_chunk(len(chunks), chunk)
                    chunks.append(chunk)
    except InvalidStatus as exc:
        answer = _loads_or_text(exc.response.body)
        raise error_from_answer(exc.response.status_code, answer) from exc
    except TimeoutError as exc:
        raise _failure(TIMEOUT, f"the stream at {endpoint.ws_url} did not open in time") from exc
    except (OSError, WebSocketException) as exc:
        detail = endpoint.redact(repr(exc))  # some errors quote the URL, which holds the key
        raise _failure(CONNECTION, f"the stream at {endpoint.ws_url} failed: {detail}") from exc
    raise _failure(MALFORMED, "the stream ended without stream_completed")


def _loads_or_text(body: bytes | None) -> Any:
    try:
        return exact_json.loads(body or b"")
    except ValueError:
        return (body or b"").decode(errors="replace")[:EXCERPT_CHARS]


def _stream_chunk(content: Any) -> Any:
    """A chunk's value: a ``{type, payload}`` envelope, else the content as it came."""
    if isinstance(content, str):
        try:
            return decode_structured(content)
        except ExecutionError:
            return content
    return content


def _stream_error(error: Any) -> ExecutionError:
    code, message = _describe(error)
    error_type = _BY_CODE.get(code or "")
    if error_type is None:
        error_type = NOT_FOUND if "not found" in message.lower() else AGENT_ERROR
    text = f"[{code}] {message}" if code else message
    hint = _HINTS.get(error_type)
    return _failure(error_type, f"{text}; {hint}" if hint else text)
