"""A cap on request body size, enforced before the body is read into memory."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runagent_pulse.api.errors import error_response

MAX_BODY_BYTES = 32 * 1024 * 1024
"""The largest request body the API reads."""


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"Request body is larger than {self.max_bytes} bytes; split it into batches."
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await error_response(413, "payload_too_large", message)(scope, receive, send)
                return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            incoming = await receive()
            seen += len(incoming.get("body", b""))
            if seen > self.max_bytes:
                raise BodyTooLarge
            return incoming

        try:
            await self.app(scope, limited, send)
        except BodyTooLarge:
            await error_response(413, "payload_too_large", message)(scope, receive, send)
