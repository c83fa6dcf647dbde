"""``pulse mcp``: a desktop MCP client's stdio, relayed to a running server's ``/mcp``.

Why a bridge and not a second engine: the tools live in ``pulse serve`` (one implementation,
the same validation, the database it already owns — a SQLite database has exactly one node).
The bridge only moves JSON-RPC messages between stdin/stdout and the streamable HTTP endpoint,
with the API key as the Bearer token.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
import httpx2
from mcp.client.streamable_http import streamable_http_client
from mcp.server.stdio import stdio_server

log = logging.getLogger(__name__)


class BridgeError(Exception):
    """The server cannot be used as an MCP endpoint (unreachable, MCP off, wrong key)."""


def _headers(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


async def check_endpoint(url: str, api_key: str | None) -> None:
    """Raises: BridgeError with what to do, before any message is relayed."""
    try:
        async with httpx2.AsyncClient(headers=_headers(api_key), timeout=10) as http:
            response = await http.get(url, headers={"Accept": "text/event-stream"})
    except httpx2.HTTPError as exc:
        raise BridgeError(f"cannot reach the Pulse server at {url}: {exc}") from None
    if response.status_code == 404:
        raise BridgeError(
            f"{url} does not serve MCP: start the server with PULSE_MCP=true (see docs/mcp.md)"
        )
    if response.status_code == 401:
        raise BridgeError(f"{url} refused the API key: set PULSE_API_KEY to the server's key")


async def _relay(source: Any, sink: Any, scope: anyio.CancelScope) -> None:
    async with source:
        async for message in source:
            if isinstance(message, Exception):
                log.warning("MCP message could not be relayed: %s", message)
                continue
            await sink.send(message)
    scope.cancel()  # one side closed: the session is over


async def bridge(url: str, api_key: str | None) -> None:
    """Relay MCP messages between this process's stdio and ``url`` until either side closes."""
    await check_endpoint(url, api_key)
    timeout = httpx2.Timeout(30.0, read=300.0)
    async with (
        httpx2.AsyncClient(headers=_headers(api_key), timeout=timeout) as http,
        streamable_http_client(url, http_client=http) as remote,
        stdio_server() as (local_read, local_write),
        anyio.create_task_group() as group,
    ):
        remote_read, remote_write = remote[0], remote[1]
        group.start_soon(_relay, local_read, remote_write, group.cancel_scope)
        group.start_soon(_relay, remote_read, local_write, group.cancel_scope)
