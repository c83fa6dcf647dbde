"""The MCP tools over streamable HTTP, at ``/mcp`` of ``pulse serve`` (``PULSE_MCP=true``).

The API key guards ``/mcp`` like ``/v1`` (``api.auth.RequireApiKey``); the SDK's DNS-rebinding
protection accepts only the hosts of ``PULSE_MCP_ALLOWED_HOSTS`` (default: loopback names).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings

PATH = "/mcp"
LOOPBACK_HOSTS = ("127.0.0.1:*", "localhost:*", "[::1]:*")


def mount(app: FastAPI, server: MCPServer, *, allowed_hosts: list[str]) -> None:
    """Serve ``server`` at :data:`PATH` of ``app``, its sessions living as long as the app."""
    hosts = allowed_hosts or list(LOOPBACK_HOSTS)
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=hosts,
        allowed_origins=[f"{scheme}://{host}" for host in hosts for scheme in ("http", "https")],
    )
    mcp_app = server.streamable_http_app(streamable_http_path=PATH, transport_security=security)
    app.router.routes.extend(mcp_app.routes)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running: Any) -> AsyncIterator[Any]:
        async with inner(running) as state, server.session_manager.run():
            yield state

    app.router.lifespan_context = lifespan
