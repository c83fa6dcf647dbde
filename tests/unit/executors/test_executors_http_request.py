"""Checking an ``http`` task's params, and hiding its secret headers (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from runagent_pulse.domain.errors import UnsafeURL, ValidationError
from runagent_pulse.executors.http_request import (
    REDACTED,
    parse_request,
    redact_params,
    restore_redacted,
)

URL = "https://agents.example.com/run"


def test_defaults_and_normalisation() -> None:
    request = parse_request({"url": URL}, allow_private=False)
    assert (request.method, request.headers, request.has_body) == ("POST", {}, False)
    request = parse_request(
        {"url": URL, "method": "patch", "body": 0, "headers": {"X-A": "1"}}, allow_private=False
    )
    assert (request.method, request.body, request.has_body) == ("PATCH", 0, True)
    assert request.headers == {"X-A": "1"}


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({}, "params.url", "needs params"),
        ({"url": 5}, "params.url", "needs params"),
        ({"url": URL, "method": "BREW"}, "params.method", "not one of"),
        ({"url": URL, "method": "GET", "body": {"a": 1}}, "params.body", "has no body"),
        ({"url": URL, "headers": ["a"]}, "params.headers", "object of names"),
        ({"url": URL, "headers": {"bad name": "x"}}, "params.headers", "not a valid header"),
        ({"url": URL, "headers": {"X-A": 1}}, "params.headers.X-A", "must be a string"),
        ({"url": URL, "headers": {"X-A": "a\r\nX-B: b"}}, "params.headers.X-A", "line break"),
        ({"url": URL, "headers": {"X-A": "x" * 9000}}, "params.headers.X-A", "longer than"),
        ({"url": URL, "headers": {"a": "1", "A": "2"}}, "params.headers.A", "twice"),
        ({"url": URL, "headers": {"Idempotency-Key": "k"}}, "params.headers.Idempotency-Key", ""),
        ({"url": URL, "headers": {"Host": "evil"}}, "params.headers.Host", "set by Pulse"),
        ({"url": URL, "headers": {f"X-{i}": "v" for i in range(51)}}, "params.headers", "limit"),
        ({"url": URL, "payload": {}}, "params.payload", "not a field"),
    ],
    ids=[
        "no-url",
        "url-not-text",
        "method",
        "body-on-get",
        "headers-not-object",
        "header-name",
        "header-value-type",
        "header-injection",
        "header-too-long",
        "duplicate-header",
        "idempotency-key-reserved",
        "host-reserved",
        "too-many-headers",
        "unknown-field",
    ],
)
def test_bad_params_name_the_field(params: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_request(params, allow_private=False)
    assert caught.value.details["field"] == field
    assert caught.value.message.startswith(field)
    assert words in caught.value.message


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "ftp://example.com/file",
        "http://user:pw@example.com/",
    ],
)
def test_unsafe_urls_are_refused_even_with_private_allowed(url: str) -> None:
    with pytest.raises(UnsafeURL) as caught:
        parse_request({"url": url}, allow_private=True)
    assert caught.value.details["field"] == "params.url"


def test_loopback_needs_private_allowed() -> None:
    with pytest.raises(UnsafeURL):
        parse_request({"url": "http://127.0.0.1:9/x"}, allow_private=False)
    assert parse_request({"url": "http://127.0.0.1:9/x"}, allow_private=True).url


def test_secret_headers_are_redacted_and_restored() -> None:
    stored = {
        "url": URL,
        "headers": {
            "Authorization": "Bearer abc",
            "Cookie": "s=1",
            "X-Api-Key": "k",
            "X-Auth-Token": "t",
            "Accept": "application/json",
        },
    }
    shown = redact_params(stored)
    assert shown["headers"] == {
        "Authorization": REDACTED,
        "Cookie": REDACTED,
        "X-Api-Key": REDACTED,
        "X-Auth-Token": REDACTED,
        "Accept": "application/json",
    }
    assert stored["headers"]["Authorization"] == "Bearer abc"  # not changed in place
    sent_back = {**shown, "headers": {**shown["headers"], "Accept": "text/plain"}}
    restored = restore_redacted(sent_back, stored)
    assert restored["headers"]["Authorization"] == "Bearer abc"
    assert restored["headers"]["Accept"] == "text/plain"
    assert redact_params({"url": URL}) == {"url": URL}
