"""``Authorization: Bearer <token>`` headers, compared in constant time."""

from __future__ import annotations

import hmac


def bearer_token(authorization: bytes) -> bytes | None:
    """The token of an ``Authorization`` header value; None for another scheme or none."""
    scheme, _, token = authorization.partition(b" ")
    token = token.strip()
    return token if scheme.lower() == b"bearer" and token else None


def same_token(given: bytes, expected: bytes) -> bool:
    """Whether ``given`` is ``expected``, in time that does not depend on where they differ."""
    return hmac.compare_digest(given, expected)
