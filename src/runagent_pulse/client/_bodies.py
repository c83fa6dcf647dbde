"""The request bodies the SDK sends: ``schedule_agent``'s arguments as a task, in JSON terms."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

_CREATE_FIELDS = (
    "agent_id",
    "entrypoint_tag",
    "when",
    "params",
    "callback_url",
    "user_id",
    "persistent_memory",
    "executor_type",
    "metadata",
    "repeat",
    "timezone",
    "timeout",
    "idempotency_key",
    "retry",
    "overlap",
    "catchup",
    "catchup_window",
    "name",
    "callback_secret",
    "agent_host",
    "agent_port",
)


def jsonable(value: Any) -> Any:
    """Datetimes become ISO 8601 text and timedeltas seconds, recursively in dicts and lists."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


def task_body(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The ``POST /v1/tasks`` body for ``schedule_agent``'s arguments (None values are left out,
    so the server's defaults apply)."""
    unknown = sorted(set(fields) - set(_CREATE_FIELDS))
    if unknown:
        raise TypeError(f"unknown task field(s) {unknown}; accepted: {', '.join(_CREATE_FIELDS)}")
    missing = [key for key in ("agent_id", "entrypoint_tag") if not fields.get(key)]
    if missing:
        raise TypeError(f"missing required task field(s) {missing}")
    body = {key: jsonable(fields[key]) for key in _CREATE_FIELDS if fields.get(key) is not None}
    body.setdefault("when", "now")
    body["params"] = jsonable(dict(fields.get("params") or {}))
    return body


def api_path(*parts: str) -> str:
    return "/" + "/".join(quote(part, safe="") for part in parts)
