"""Callback delivery: Standard Webhooks signing, the SSRF guard, one HTTP attempt, backoff."""

from runagent_pulse.common.netguard import VettedTarget, VettedTransport, check_url, resolve_and_vet
from runagent_pulse.delivery.backoff import next_delay
from runagent_pulse.delivery.payload import build_payload, encode_payload
from runagent_pulse.delivery.sender import AttemptOutcome, make_client, send_once
from runagent_pulse.delivery.signing import (
    SignatureError,
    decode_secret,
    generate_secret,
    sign,
    verify,
    webhook_headers,
)

__all__ = [
    "AttemptOutcome",
    "SignatureError",
    "VettedTarget",
    "VettedTransport",
    "build_payload",
    "check_url",
    "decode_secret",
    "encode_payload",
    "generate_secret",
    "make_client",
    "next_delay",
    "resolve_and_vet",
    "send_once",
    "sign",
    "verify",
    "webhook_headers",
]
