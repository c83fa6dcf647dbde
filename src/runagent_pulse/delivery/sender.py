"""One HTTP attempt of a callback delivery, and the client it goes through.

:func:`send_once` never raises for network problems: every outcome becomes an
:class:`AttemptOutcome` whose ``error`` a user can read in the delivery's history.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Literal

import httpx

from runagent_pulse.common.http_client import describe_connect_error, guarded_client
from runagent_pulse.common.netguard import Resolver
from runagent_pulse.domain.errors import UnsafeURL

Disposition = Literal["delivered", "retry", "gone"]
_BODY_EXCERPT = 300


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    """What one attempt achieved: ``delivered`` (2xx), ``gone`` (410: stop) or ``retry``."""

    disposition: Disposition
    status_code: int | None
    error: str | None
    retry_after: float | None
    duration_ms: int


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if moment is None:
            return None
        seconds = moment.timestamp() - now
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        return None
    return max(seconds, 0.0)


def _seconds(value: float) -> str:
    return f"{value:g}s"


async def _excerpt(response: httpx.Response) -> str:
    data = b""
    try:
        async for chunk in response.aiter_bytes():
            data += chunk
            if len(data) >= _BODY_EXCERPT:
                break
    except httpx.HTTPError:
        return ""
    text = data[:_BODY_EXCERPT].decode("utf-8", "replace").strip()
    text = " ".join(text.split())
    return f": {text}" if text else ""


async def send_once(
    client: httpx.AsyncClient,
    *,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    timeout: float,  # noqa: ASYNC109 - also the per-phase httpx timeout
    clock: Callable[[], float] = time.time,
) -> AttemptOutcome:
    """POST ``body`` to ``url`` once and classify the result (never raises for I/O errors)."""
    started = time.perf_counter()

    def outcome(
        disposition: Disposition,
        *,
        status: int | None = None,
        error: str | None = None,
        retry_after: float | None = None,
    ) -> AttemptOutcome:
        elapsed = int((time.perf_counter() - started) * 1000)
        return AttemptOutcome(disposition, status, error, retry_after, elapsed)

    try:
        async with asyncio.timeout(timeout):
            request = client.build_request(
                "POST", url, content=body, headers=dict(headers), timeout=timeout
            )
            response = await client.send(request, stream=True, follow_redirects=False)
            try:
                code = response.status_code
                if 200 <= code < 300:
                    return outcome("delivered", status=code)
                retry_after = parse_retry_after(response.headers.get("retry-after"), now=clock())
                if code == 410:
                    return outcome(
                        "gone", status=code, error="410 Gone: the receiver asked to stop deliveries"
                    )
                if 300 <= code < 400:
                    location = response.headers.get("location")
                    where = f"redirect to {location}" if location else f"HTTP {code} redirect"
                    error = f"{where} not followed (3xx counts as failure)"
                else:
                    reason = response.reason_phrase or ""
                    error = f"HTTP {code} {reason}".rstrip() + await _excerpt(response)
                return outcome("retry", status=code, error=error, retry_after=retry_after)
            finally:
                await response.aclose()
    except UnsafeURL as exc:
        return outcome("retry", error=f"URL refused: {exc.reason}")
    except (TimeoutError, httpx.TimeoutException):
        return outcome("retry", error=f"timed out after {_seconds(timeout)}")
    except httpx.ConnectError as exc:
        return outcome("retry", error=describe_connect_error(exc))
    except httpx.InvalidURL as exc:
        return outcome("retry", error=f"invalid URL: {exc}")
    except httpx.HTTPError as exc:
        detail = str(exc) or type(exc).__name__
        return outcome("retry", error=f"connection error: {detail}")
    except OSError as exc:
        return outcome("retry", error=f"connection error: {exc}")


def make_client(
    *,
    allow_private: bool,
    timeout: float,
    resolver: Resolver | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The client deliveries go through (see :func:`guarded_client`)."""
    return guarded_client(
        allow_private=allow_private,
        timeout=httpx.Timeout(timeout),
        resolver=resolver,
        transport=transport,
    )
