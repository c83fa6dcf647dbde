"""The request an ``http`` task makes: read from its params, checked, and shown redacted.

A task's params are ``{"url", "method", "body", "headers"}``. :func:`parse_request` checks them
(at create and update time, and again before each run) and raises
:class:`~runagent_pulse.domain.errors.ValidationError` naming the field at fault. The URL also
passes the SSRF guard's syntax check here; the executor vets the resolved address when it
connects. :func:`redact_params` hides the values of secret-looking headers wherever a task is
shown, and :func:`restore_redacted` keeps the stored secrets when a redacted view is sent back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runagent_pulse.common.netguard import check_url
from runagent_pulse.domain.errors import UnsafeURL, ValidationError

__all__ = [
    "HTTP",
    "METHODS",
    "REDACTED",
    "HttpRequest",
    "is_secret_header",
    "parse_request",
    "redact_params",
    "restore_redacted",
]

HTTP = "http"
"""The executor name of http tasks."""
METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
NO_BODY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_HEADERS = 50
MAX_HEADER_NAME = 100
MAX_HEADER_VALUE = 8 * 1024
REDACTED = "[redacted]"
KNOWN_PARAMS = frozenset({"url", "method", "body", "headers"})
RESERVED_HEADERS = frozenset(
    {"content-length", "host", "transfer-encoding", "connection", "idempotency-key", "upgrade"}
)
"""Headers Pulse sets itself (``Idempotency-Key`` is the run id) or that would break framing."""

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_SECRET_NAMES = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
_SECRET_WORDS = ("token", "secret", "password", "passwd", "api-key", "apikey", "api_key", "auth")


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """A checked request: upper-case ``method``, ``headers`` as given, ``body`` a JSON value."""

    url: str
    method: str
    headers: dict[str, str]
    body: Any = None
    has_body: bool = False


def is_secret_header(name: str) -> bool:
    """Whether a header's value is hidden in views (credentials, cookies, keys, tokens)."""
    lowered = name.lower()
    return lowered in _SECRET_NAMES or any(word in lowered for word in _SECRET_WORDS)


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError(f"params.{field}: {message}", details={"field": f"params.{field}"})


def _method(value: Any) -> str:
    if not isinstance(value, str) or value.upper() not in METHODS:
        raise _invalid("method", f"{value!r:.40} is not one of {', '.join(METHODS)}")
    return value.upper()


def _headers(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _invalid("headers", 'must be an object of names to strings: {"X-Name": "value"}')
    if len(value) > MAX_HEADERS:
        raise _invalid("headers", f"has {len(value)} entries; the limit is {MAX_HEADERS}")
    seen: set[str] = set()
    for name, item in value.items():
        if not _TOKEN.match(name) or len(name) > MAX_HEADER_NAME:
            raise _invalid(
                "headers",
                f"{name!r:.60} is not a valid header name (letters, digits and !#$%&'*+-.^_`|~, "
                f"at most {MAX_HEADER_NAME} characters)",
            )
        lowered = name.lower()
        if lowered in RESERVED_HEADERS:
            raise _invalid(
                f"headers.{name}",
                "is set by Pulse (Idempotency-Key carries the run id) or by HTTP itself; remove it",
            )
        if lowered in seen:
            raise _invalid(f"headers.{name}", "appears twice (header names ignore case)")
        seen.add(lowered)
        if not isinstance(item, str):
            raise _invalid(f"headers.{name}", "must be a string")
        if len(item) > MAX_HEADER_VALUE:
            raise _invalid(f"headers.{name}", f"is longer than {MAX_HEADER_VALUE} characters")
        if any(c in item for c in "\r\n\0"):
            raise _invalid(f"headers.{name}", "contains a line break or NUL character")
    return dict(value)


def parse_request(params: Mapping[str, Any] | None, *, allow_private: bool) -> HttpRequest:
    """The request ``params`` describe.

    Raises:
        ValidationError: a field is missing, of the wrong type, too large, or unknown.
        UnsafeURL: the SSRF guard refuses the URL by its syntax (e.g. a metadata address).
    """
    params = params or {}
    unknown = sorted(set(params) - KNOWN_PARAMS)
    if unknown:
        raise _invalid(
            unknown[0], f"is not a field of an http task; use {', '.join(sorted(KNOWN_PARAMS))}"
        )
    url = params.get("url")
    if not isinstance(url, str) or not url:
        raise _invalid("url", 'an http task needs params {"url": "https://..."}')
    try:
        check_url(url, allow_private=allow_private)
    except UnsafeURL as exc:
        exc.details = {**exc.details, "field": "params.url"}
        raise
    method = _method(params.get("method", "POST"))
    has_body = params.get("body") is not None
    if has_body and method in NO_BODY_METHODS:
        raise _invalid("body", f"a {method} request has no body; use POST, PUT or PATCH")
    return HttpRequest(
        url=url,
        method=method,
        headers=_headers(params.get("headers")),
        body=params.get("body"),
        has_body=has_body,
    )


def redact_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` with the value of every secret-looking header replaced by :data:`REDACTED`."""
    headers = params.get("headers")
    if not isinstance(headers, Mapping):
        return dict(params)
    shown = {
        name: REDACTED if is_secret_header(str(name)) else value for name, value in headers.items()
    }
    return {**params, "headers": shown}


def restore_redacted(new: Mapping[str, Any], stored: Mapping[str, Any]) -> dict[str, Any]:
    """``new`` params where a header still reading :data:`REDACTED` keeps its stored value
    (so that a task read from the API can be sent back unchanged).

    Raises:
        ValidationError: the URL changed while a header still reads :data:`REDACTED`: a stored
            secret is never sent to a URL other than the one it was given for.
    """
    headers, old = new.get("headers"), stored.get("headers")
    if not isinstance(headers, Mapping) or not isinstance(old, Mapping):
        return dict(new)
    kept_back = sorted(name for name, value in headers.items() if value == REDACTED)
    if kept_back and new.get("url") != stored.get("url"):
        raise _invalid(
            f"headers.{kept_back[0]}",
            f"the url changed, so the stored value of {', '.join(kept_back)} is not kept; "
            f"send the header value(s) again instead of {REDACTED!r}",
        )
    kept = {
        name: old[name] if value == REDACTED and name in old else value
        for name, value in headers.items()
    }
    return {**new, "headers": kept}
