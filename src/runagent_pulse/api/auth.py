"""Bearer-token auth for every ``/v1`` route (and ``/metrics`` unless it is public) when
``PULSE_API_KEY`` is set.

An ASGI middleware checks the ``Authorization`` header before anything else runs: a request
without the right key is refused without its body being read or parsed (no 413 or 422 to a
stranger, no memory or CPU spent on what it sent). An address that keeps sending wrong keys is
refused for a while (:mod:`runagent_pulse.common.key_guesses`).
"""

from __future__ import annotations

from fastapi.security import HTTPBearer
from starlette.types import ASGIApp, Receive, Scope, Send

from runagent_pulse.api.errors import error_response
from runagent_pulse.common.bearer import bearer_token, same_token
from runagent_pulse.common.key_guesses import KeyGuessLimit, client_address, refusal

bearer = HTTPBearer(auto_error=False, description="PULSE_API_KEY, when the server sets one")
"""Declares the scheme on the ``/v1`` routes in the OpenAPI document; :class:`RequireApiKey`
enforces it."""

MISSING = "Missing API key: send 'Authorization: Bearer <PULSE_API_KEY>'."
WRONG = "Wrong API key."


def _problem(scope: Scope, expected: bytes) -> str | None:
    """Why the request's key is refused, or None when it is the right one."""
    values = [value for name, value in scope.get("headers", []) if name == b"authorization"]
    token = bearer_token(values[0]) if len(values) == 1 else None
    if token is None:
        return MISSING
    return None if same_token(token, expected) else WRONG


class RequireApiKey:
    """Answers 401 ``unauthorized`` to requests under ``prefixes`` without
    ``Bearer <api_key>``, and 429 ``rate_limited`` to an address that ``guesses`` holds back."""

    def __init__(
        self,
        app: ASGIApp,
        api_key: str,
        guesses: KeyGuessLimit,
        prefixes: tuple[str, ...] = ("/v1",),
    ) -> None:
        self.app = app
        self.expected = api_key.encode()
        self.guesses = guesses
        self.prefixes = prefixes

    def _protected(self, path: str) -> bool:
        return any(path == p or path.startswith(p + "/") for p in self.prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._protected(scope["path"]):
            await self.app(scope, receive, send)
            return
        address = client_address(scope)
        wait = self.guesses.wait(address)
        if wait:
            response = error_response(429, "rate_limited", refusal(wait), {"retry_after": wait})
            response.headers["Retry-After"] = str(wait)
            await response(scope, receive, send)
            return
        problem = _problem(scope, self.expected)
        if problem is None:
            await self.app(scope, receive, send)
            return
        if problem == WRONG:
            self.guesses.wrong(address)
        response = error_response(401, "unauthorized", problem)
        response.headers["WWW-Authenticate"] = "Bearer"
        await response(scope, receive, send)
