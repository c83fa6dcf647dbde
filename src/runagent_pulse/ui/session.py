"""Dashboard sessions without a server-side store: a signed cookie, and a CSRF token per session.

With ``PULSE_API_KEY`` set, the signing key is derived from it (HMAC), so a session starts at the
login page, ends when it expires or the key changes, and a cookie cannot be forged without the
key. Without an API key every browser gets a session silently (signed with a key of this process)
only to carry its CSRF token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

COOKIE = "pulse_session"
MAX_AGE = 7 * 24 * 3600
"""Seconds a session lasts after login."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True, slots=True)
class Session:
    nonce: str
    expires: int
    csrf: str
    """The token every state-changing form of this session carries."""


class Sessions:
    def __init__(self, api_key: str | None) -> None:
        self.login_required = api_key is not None
        self._key = api_key.encode() if api_key is not None else None
        self._secret = (
            hmac.new(self._key, b"pulse dashboard session v1", hashlib.sha256).digest()
            if self._key is not None
            else secrets.token_bytes(32)
        )

    def _sign(self, purpose: str, text: str) -> str:
        return _b64(hmac.new(self._secret, f"{purpose}:{text}".encode(), hashlib.sha256).digest())

    def key_matches(self, key: str) -> bool:
        """Whether ``key`` is the API key (constant time)."""
        return self._key is not None and hmac.compare_digest(key.encode(), self._key)

    def issue(self, now: float) -> str:
        """A new session's cookie value."""
        payload = f"{secrets.token_urlsafe(18)}.{int(now) + MAX_AGE}"
        return f"{payload}.{self._sign('session', payload)}"

    def read(self, cookie: str | None, now: float) -> Session | None:
        """The session of a cookie value, or None when it is missing, forged or expired."""
        if not cookie or cookie.count(".") != 2:
            return None
        nonce, expires, signature = cookie.split(".")
        payload = f"{nonce}.{expires}"
        if not hmac.compare_digest(signature, self._sign("session", payload)):
            return None
        if not expires.isdigit() or int(expires) < now:
            return None
        return Session(nonce=nonce, expires=int(expires), csrf=self._sign("csrf", nonce))

    @staticmethod
    def csrf_matches(session: Session, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token.encode(), session.csrf.encode())
