"""Standard Webhooks signing, checked against the independent ``standardwebhooks`` library."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from runagent_pulse import __version__
from runagent_pulse.delivery.signing import (
    SignatureError,
    decode_secret,
    generate_secret,
    sign,
    verify,
    webhook_headers,
)
from runagent_pulse.domain.errors import PulseError

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = b'{"task_id":"t1","execution_id":"r1","status":"success"}'


def test_generate_secret_is_prefixed_and_decodes_to_enough_bytes() -> None:
    secret = generate_secret()
    assert secret.startswith("whsec_")
    assert len(decode_secret(secret)) >= 24
    assert generate_secret() != secret


def test_generate_secret_refuses_short_keys() -> None:
    with pytest.raises(ValueError, match="24"):
        generate_secret(8)


def test_decode_secret_accepts_prefix_or_not_and_missing_padding() -> None:
    raw = b"0123456789abcdef01234567x"
    encoded = base64.b64encode(raw).decode()
    assert decode_secret("whsec_" + encoded) == raw
    assert decode_secret(encoded) == raw
    assert decode_secret(encoded.rstrip("=")) == raw


@pytest.mark.parametrize("bad", ["whsec_not base64!!", "whsec_", "", "whsec_@@@@"])
def test_decode_secret_rejects_bad_input_clearly(bad: str) -> None:
    with pytest.raises(ValueError, match="webhook secret"):
        decode_secret(bad)


def test_sign_has_v1_prefix_and_is_deterministic() -> None:
    first = sign(SECRET, "msg_1", 1_700_000_000, BODY)
    assert first.startswith("v1,")
    assert first == sign(SECRET, "msg_1", 1_700_000_000, BODY)
    assert first != sign(SECRET, "msg_2", 1_700_000_000, BODY)
    assert first != sign(SECRET, "msg_1", 1_700_000_001, BODY)


def test_our_signature_matches_the_reference_library() -> None:
    theirs = Webhook(SECRET).sign(
        "msg_1", datetime.fromtimestamp(1_700_000_000, UTC), BODY.decode()
    )
    assert sign(SECRET, "msg_1", 1_700_000_000, BODY) == theirs


def test_reference_library_verifies_our_headers() -> None:
    now = int(time.time())
    headers = webhook_headers(SECRET, "msg_abc", now, BODY)
    assert Webhook(SECRET).verify(BODY, headers) == {
        "task_id": "t1",
        "execution_id": "r1",
        "status": "success",
    }


def test_we_verify_reference_library_signatures() -> None:
    now = 1_700_000_000
    signature = Webhook(SECRET).sign("msg_x", datetime.fromtimestamp(now, UTC), BODY.decode())
    headers = {"webhook-id": "msg_x", "webhook-timestamp": str(now), "webhook-signature": signature}
    verify(SECRET, headers, BODY, now=now + 10)


def test_reference_library_rejects_a_tampered_body_we_signed() -> None:
    headers = webhook_headers(SECRET, "msg_abc", int(time.time()), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(BODY + b" ", headers)


def test_headers_shape() -> None:
    headers = webhook_headers(SECRET, "msg_1", 1_700_000_000, BODY)
    assert headers == {
        "content-type": "application/json",
        "user-agent": f"runagent-pulse/{__version__}",
        "webhook-id": "msg_1",
        "webhook-timestamp": "1700000000",
        "webhook-signature": sign(SECRET, "msg_1", 1_700_000_000, BODY),
    }


def test_headers_without_secret_are_unsigned() -> None:
    headers = webhook_headers(None, "msg_1", 1, BODY, user_agent="custom/1")
    assert "webhook-signature" not in headers
    assert headers["user-agent"] == "custom/1"


def _headers(ts: int = 1_700_000_000, msg_id: str = "msg_1", body: bytes = BODY) -> dict[str, str]:
    return {
        "Webhook-Id": msg_id,
        "Webhook-Timestamp": str(ts),
        "Webhook-Signature": sign(SECRET, msg_id, ts, body),
    }


def test_verify_accepts_case_insensitive_headers() -> None:
    verify(SECRET, _headers(), BODY, now=1_700_000_000)


def test_verify_accepts_any_of_several_signatures() -> None:
    headers = _headers()
    other = sign(generate_secret(), "msg_1", 1_700_000_000, BODY)
    headers["Webhook-Signature"] = f"v2,abc {other} garbage {headers['Webhook-Signature']}"
    verify(SECRET, headers, BODY, now=1_700_000_000)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda h: h.pop("Webhook-Id"), "missing header"),
        (lambda h: h.pop("Webhook-Signature"), "missing header"),
        (lambda h: h.update({"Webhook-Timestamp": "soon"}), "unix seconds"),
        (lambda h: h.update({"Webhook-Signature": "v1,AAAA"}), "no matching"),
        (lambda h: h.update({"Webhook-Signature": "v1,@@not-base64"}), "no matching"),
        (lambda h: h.update({"Webhook-Id": "msg_2"}), "no matching"),
    ],
)
def test_verify_rejects(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    headers = _headers()
    mutate(headers)
    with pytest.raises(SignatureError, match=message) as info:
        verify(SECRET, headers, BODY, now=1_700_000_000)
    assert info.value.code == "invalid_signature"
    assert isinstance(info.value, PulseError)


def test_verify_rejects_tampered_body() -> None:
    with pytest.raises(SignatureError, match="no matching"):
        verify(SECRET, _headers(), BODY + b"x", now=1_700_000_000)


def test_verify_tolerance_window() -> None:
    verify(SECRET, _headers(ts=1_000), BODY, now=1_300)
    verify(SECRET, _headers(ts=1_300), BODY, now=1_000)
    with pytest.raises(SignatureError, match="older"):
        verify(SECRET, _headers(ts=1_000), BODY, now=1_301)
    with pytest.raises(SignatureError, match="future"):
        verify(SECRET, _headers(ts=1_301), BODY, now=1_000)
    with pytest.raises(SignatureError, match="older"):
        verify(SECRET, _headers(ts=1_000), BODY, now=1_011, tolerance=10)
