"""Bearer-token auth for every ``/v1`` route when ``PULSE_API_KEY`` is set."""

from __future__ import annotations

import hmac

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from runagent_pulse.domain.errors import PulseError

bearer = HTTPBearer(auto_error=False, description="PULSE_API_KEY, when the server sets one")


class Unauthorized(PulseError):
    code = "unauthorized"
    http_status = 401


async def require_api_key(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> None:
    """Refuse a request without the right key (declared as the ``HTTPBearer`` security scheme,
    so the OpenAPI document and the ``/docs`` "Authorize" button know it)."""
    expected: str | None = request.app.state.api_key
    if expected is None:
        return
    if credentials is None:
        raise Unauthorized("Missing API key: send 'Authorization: Bearer <PULSE_API_KEY>'.")
    if not hmac.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise Unauthorized("Wrong API key.")
