"""Standard Webhooks signing and verification (https://www.standardwebhooks.com).

A delivery carries three headers: ``webhook-id`` (stable across retries of one event),
``webhook-timestamp`` (unix seconds of this attempt) and ``webhook-signature``
(``v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>``, possibly several separated by
spaces during a secret rotation). Secrets are ``whsec_`` followed by base64 of random bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping

from runagent_pulse.common.http_client import USER_AGENT
from runagent_pulse.domain.errors import PulseError

SECRET_PREFIX = "whsec_"
DEFAULT_TOLERANCE = 300


class SignatureError(PulseError):
    """A webhook request whose headers or signature do not verify."""

    code = "invalid_signature"
    http_status = 401

    def __init__(self, reason: str, *, msg_id: str | None = None) -> None:
        super().__init__(f"Invalid webhook signature: {reason}", details={"webhook_id": msg_id})
        self.reason = reason
        self.msg_id = msg_id


def generate_secret(num_bytes: int = 32) -> str:
    """A new ``whsec_`` secret holding ``num_bytes`` (at least 24) random bytes."""
    if num_bytes < 24:
        raise ValueError("a webhook secret needs at least 24 random bytes")
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(num_bytes)).decode("ascii")


def decode_secret(secret: str) -> bytes:
    """The key bytes of a secret given with or without its ``whsec_`` prefix."""
    text = secret.strip()
    text = text.removeprefix(SECRET_PREFIX)
    if not text:
        raise ValueError("webhook secret is empty; expected 'whsec_' followed by base64")
    try:
        key = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(
            "webhook secret is not valid base64; expected 'whsec_' followed by base64 "
            "(generate one with runagent_pulse.delivery.generate_secret())"
        ) from exc
    if not key:
        raise ValueError("webhook secret decodes to zero bytes")
    return key


def _digest(key: bytes, msg_id: str, timestamp: int, body: bytes) -> bytes:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return hmac.new(key, signed, hashlib.sha256).digest()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value (``v1,<base64>``) for one message."""
    digest = _digest(decode_secret(secret), msg_id, timestamp, body)
    return "v1," + base64.b64encode(digest).decode("ascii")


def webhook_headers(
    secret: str | None,
    msg_id: str,
    timestamp: int,
    body: bytes,
    user_agent: str | None = None,
) -> dict[str, str]:
    """Headers of one delivery attempt. Without a secret the signature header is left out."""
    headers = {
        "content-type": "application/json",
        "user-agent": user_agent or USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
    }
    if secret:
        headers["webhook-signature"] = sign(secret, msg_id, timestamp, body)
    return headers


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    for key, candidate in headers.items():
        if key.lower() == name:
            return candidate
    return None


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE,
) -> None:
    """Check a received webhook; return quietly when it is authentic and fresh.

    Raises:
        SignatureError: a header is missing or malformed, the timestamp is more than
            ``tolerance`` seconds away from ``now``, or no ``v1`` signature matches.
    """
    msg_id = _header(headers, "webhook-id")
    raw_ts = _header(headers, "webhook-timestamp")
    raw_sig = _header(headers, "webhook-signature")
    missing = [
        name
        for name, value in (
            ("webhook-id", msg_id),
            ("webhook-timestamp", raw_ts),
            ("webhook-signature", raw_sig),
        )
        if not value
    ]
    if missing or msg_id is None or raw_ts is None or raw_sig is None:
        raise SignatureError(f"missing header(s): {', '.join(missing)}", msg_id=msg_id)
    try:
        timestamp = int(raw_ts.strip())
    except ValueError:
        raise SignatureError("webhook-timestamp is not unix seconds", msg_id=msg_id) from None
    if timestamp < now - tolerance:
        raise SignatureError(f"timestamp is older than {tolerance}s", msg_id=msg_id)
    if timestamp > now + tolerance:
        raise SignatureError(f"timestamp is more than {tolerance}s in the future", msg_id=msg_id)
    try:
        key = decode_secret(secret)
    except ValueError as exc:
        raise SignatureError(str(exc), msg_id=msg_id) from exc
    expected = _digest(key, msg_id, timestamp, body)
    matched = False
    for candidate in raw_sig.split():
        version, _, encoded = candidate.partition(",")
        if version != "v1" or not encoded:
            continue
        try:
            given = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        # Compare every candidate so timing does not reveal which one matched.
        matched |= hmac.compare_digest(expected, given)
    if not matched:
        raise SignatureError("no matching v1 signature", msg_id=msg_id)
