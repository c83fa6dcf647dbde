"""Pulse as MCP tools: agents schedule agents (docs/mcp.md). The tools sit on the application
layer; ``pulse serve`` mounts them at ``/mcp`` when ``PULSE_MCP=true``, and ``pulse mcp`` bridges
a desktop client's stdio to that endpoint."""

from runagent_pulse.mcp.guard import McpLimits
from runagent_pulse.mcp.tools import build_server

__all__ = ["McpLimits", "build_server"]
