"""The callback body: the user guide's payload shape, built from a finished run."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

STATUSES = frozenset({"success", "failed", "timeout", "cancelled"})
_DEFAULT_ERRORS = {
    "failed": "Error: the run failed",
    "timeout": "Timeout: the run exceeded its timeout",
    "cancelled": "Cancelled: the run was cancelled",
}


def _utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC (how SQLite hands them back)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso_utc(moment: datetime) -> str:
    """``2025-01-31T09:00:00Z`` (microseconds kept when present)."""
    return _utc(moment).isoformat().replace("+00:00", "Z")


def format_error(error: dict[str, Any] | None, status: str) -> str:
    """``"Type: message"`` from a run's ``{"type", "message"}`` error."""
    if not error:
        return _DEFAULT_ERRORS.get(status, f"Error: the run ended as {status}")
    error_type = str(error.get("type") or "Error")
    message = str(error.get("message") or "").strip()
    return f"{error_type}: {message}" if message else error_type


def build_payload(
    *,
    task_id: str,
    run_id: str,
    status: str,
    result: Any,
    error: dict[str, Any] | None,
    duration_ms: int | None,
    finished_at: datetime,
    attempt: int,
    scheduled_for: datetime,
) -> dict[str, Any]:
    """The JSON object POSTed to a callback URL for one finished run.

    ``execution_id`` is the run id; ``timestamp`` is ``finished_at`` in unix seconds; ``error``
    (``"Type: message"``) is present only when ``status`` is not ``success``.
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {sorted(STATUSES)}, got {status!r}")
    payload: dict[str, Any] = {
        "task_id": task_id,
        "execution_id": run_id,
        "status": status,
        "result": result,
        "execution_time_ms": duration_ms,
        "timestamp": int(_utc(finished_at).timestamp()),
        "attempt": attempt,
        "scheduled_for": iso_utc(scheduled_for),
    }
    if status != "success":
        payload["error"] = format_error(error, status)
    return payload


def encode_payload(payload: dict[str, Any]) -> bytes:
    """Compact JSON bytes: exactly what is signed and sent."""
    return orjson.dumps(payload)
