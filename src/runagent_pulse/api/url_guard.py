"""Refuse URLs carrying the NUL character (``%00``) with a 422 naming where it is, before a
route passes it to the database (PostgreSQL text cannot hold NUL)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from runagent_pulse.api.errors import error_response


def nul_field(scope: Scope) -> str | None:
    """``path`` or the name of the query parameter holding a NUL character, if any."""
    if "\x00" in scope.get("path", ""):
        return "path"
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return name.replace("\x00", "") or "query"
    return None


class RefuseNul:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        field = nul_field(scope) if scope["type"] == "http" else None
        if field is None:
            await self.app(scope, receive, send)
            return
        message = f"{field}: must not contain the NUL character (%00)"
        details = {"errors": [{"field": field, "message": message}]}
        await error_response(422, "validation_error", message, details)(scope, receive, send)
