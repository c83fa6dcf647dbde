"""The one place where httpx meets Pulse errors: requests, responses and transport failures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from typing import Any

import httpx

from runagent_pulse.client.errors import (
    PulseConnectionError,
    PulseError,
    PulseTimeoutError,
    ServerError,
    error_for_response,
)


def _sdk_version() -> str:
    try:
        return metadata.version("runagent-pulse")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"


USER_AGENT = f"runagent-pulse-sdk/{_sdk_version()}"


def build_headers(api_key: str | None) -> dict[str, str]:
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    return headers


@contextmanager
def translate_transport_errors(server_url: str) -> Iterator[None]:
    """Turn every httpx exception raised while talking to ``server_url`` into a Pulse error."""
    try:
        yield
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise PulseConnectionError(server_url, _reason(exc)) from exc
    except httpx.TimeoutException as exc:
        raise PulseTimeoutError(
            f"The Pulse server at {server_url} did not answer in time ({_reason(exc)}). "
            "Raise the client's timeout= if the server is busy.",
            details={"server_url": server_url},
        ) from exc
    except httpx.TransportError as exc:
        raise PulseConnectionError(server_url, _reason(exc)) from exc
    except httpx.InvalidURL as exc:
        raise PulseConnectionError(server_url, f"invalid URL: {exc}") from exc
    except httpx.HTTPError as exc:  # DecodingError, TooManyRedirects, ...
        raise PulseError(
            f"Request to {server_url} failed: {_reason(exc)}", code="http_error"
        ) from exc


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def decode_response(response: httpx.Response) -> Any:
    """Return the JSON body of a 2xx response; raise the matching Pulse error otherwise."""
    try:
        body: Any = response.json() if response.content else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
        if response.is_success:
            raise ServerError(
                f"The server answered {response.status_code} with a body that is not JSON "
                f"(is {response.request.url} really a Pulse server?)",
                status_code=response.status_code,
            ) from None
    if response.is_success:
        return body
    raise error_for_response(response.status_code, body, response.text)
