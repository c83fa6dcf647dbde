"""The create form's fields, turned into the same typed request the REST API validates."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import available_timezones

from runagent_pulse.service.models import RepeatIn, TaskCreate

ZONES = sorted(available_timezones())


def _optional(form: dict[str, str], name: str) -> str | None:
    value = form.get(name, "").strip()
    return value or None


def task_from_form(form: dict[str, str]) -> TaskCreate:
    """Raises: ValueError (a params field that is not a JSON object), pydantic's
    ValidationError (any field out of its limits, with the field's name)."""
    raw = form.get("params", "").strip() or "{}"
    try:
        params: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"params: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(params, dict):
        raise ValueError('params: must be a JSON object such as {"input": "Hello"}')
    interval, times = _optional(form, "repeat_interval"), _optional(form, "repeat_times")
    repeat = RepeatIn(interval=interval, times=int(times) if times else None) if interval else None
    retries = _optional(form, "max_attempts")
    return TaskCreate(
        agent_id=form.get("agent_id", ""),
        entrypoint_tag=form.get("entrypoint_tag", "") or "team",
        executor_type=_optional(form, "executor_type"),
        when=form.get("when", "") or "now",
        timezone=_optional(form, "timezone"),
        params=params,
        repeat=repeat,
        timeout=_optional(form, "timeout"),
        retry={"max_attempts": int(retries)} if retries else None,  # type: ignore[arg-type]
        overlap=_optional(form, "overlap"),  # type: ignore[arg-type]
        catchup=_optional(form, "catchup"),  # type: ignore[arg-type]
        callback_url=_optional(form, "callback_url"),
        name=_optional(form, "name"),
    )
