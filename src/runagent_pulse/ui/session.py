"""Who may use the dashboard: a login with the API key sets an HttpOnly, SameSite=Strict cookie;
every state-changing form carries a CSRF token tied to that session.

Both values are HMACs of a per-process secret, so nothing is stored server-side and the API key
itself never leaves the login form. Without ``PULSE_API_KEY`` the dashboard is open (like the
API) but forms still need the CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

COOKIE = "pulse_session"


class Sessions:
    def __init__(self, api_key: str | None) -> None:
        self.api_key = api_key
        self._secret = secrets.token_bytes(32)

    def _mac(self, purpose: str) -> str:
        return hmac.new(self._secret, purpose.encode(), hashlib.sha256).hexdigest()

    @property
    def open(self) -> bool:
        """No API key: everyone who reaches the port may use the dashboard."""
        return self.api_key is None

    def key_matches(self, key: str) -> bool:
        return self.api_key is not None and hmac.compare_digest(key.encode(), self.api_key.encode())

    def cookie_value(self) -> str:
        return self._mac("session")

    def logged_in(self, request: Request) -> bool:
        if self.open:
            return True
        given = request.cookies.get(COOKIE, "")
        return hmac.compare_digest(given.encode(), self.cookie_value().encode())

    def csrf_token(self) -> str:
        return self._mac("csrf")

    def csrf_ok(self, token: str) -> bool:
        return hmac.compare_digest(token.encode(), self.csrf_token().encode())
