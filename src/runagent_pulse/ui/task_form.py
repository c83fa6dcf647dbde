"""The create / edit form: its fields as the service's typed requests, the errors next to the
fields they concern, and the live preview of ``when`` (the same parser as the API's)."""

from __future__ import annotations

import functools
import json
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import available_timezones

from pydantic import BaseModel, ValidationError

from runagent_pulse.domain.errors import PulseError
from runagent_pulse.service import Services
from runagent_pulse.service.models import ParseIn, RepeatIn, TaskCreate, TaskOut, TaskPatch
from runagent_pulse.timespec import TimespecError
from runagent_pulse.ui.formatting import in_zone, iso, note, relative

FIELDS = (
    "name",
    "executor_type",
    "agent_id",
    "entrypoint_tag",
    "agent_host",
    "agent_port",
    "when",
    "timezone",
    "repeat_interval",
    "repeat_times",
    "repeat_until",
    "params",
    "timeout",
    "retry_max_attempts",
    "retry_backoff",
    "retry_max_backoff",
    "overlap",
    "catchup",
    "catchup_window",
    "callback_url",
)
RESCHEDULE = ("when", "timezone", "repeat")
"""Changing any of these recomputes the task's fires, so an edit sends them only when changed."""

Model = TypeVar("Model", bound=BaseModel)


class FormErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@functools.cache
def timezones() -> list[str]:
    return sorted(available_timezones())


def field_of(location: tuple[Any, ...] | list[Any] | str | None) -> str:
    """The form field an error location (pydantic ``loc``, or ``details.field``) points at."""
    parts = [str(p) for p in location] if isinstance(location, tuple | list) else []
    if isinstance(location, str):
        parts = location.split(".")
    if not parts:
        return "form"
    if parts[0] in ("repeat", "retry"):
        joined = f"{parts[0]}_{parts[1] if len(parts) > 1 else ''}"
        if joined in FIELDS:
            return joined
        return "repeat_interval" if parts[0] == "repeat" else "form"
    return parts[0] if parts[0] in FIELDS else "form"


def error_of(exc: Exception) -> dict[str, str]:
    """What a service or parser error says, by form field."""
    if isinstance(exc, TimespecError):
        return {field_of(getattr(exc, "field", "when")): str(exc)}
    if isinstance(exc, PulseError):
        return {field_of(exc.details.get("field")): exc.message}
    return {"form": str(exc)}


def _validate(model: type[Model], data: dict[str, Any]) -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            message = str(error["msg"]).removeprefix("Value error, ")
            errors.setdefault(field_of(error["loc"]), message)
        raise FormErrors(errors) from None


def _text(fields: dict[str, str], name: str) -> str | None:
    return fields.get(name, "").strip() or None


def _whole(fields: dict[str, str], name: str) -> int | str | None:
    """A whole-number field as a number (the API's models take no strings for numbers); other
    text is passed on so that the model names what is wrong with it."""
    text = _text(fields, name)
    return int(text) if text is not None and text.isdigit() else text


def repeat_of(fields: dict[str, str]) -> dict[str, Any] | None:
    repeat = {
        "interval": _text(fields, "repeat_interval"),
        "times": _whole(fields, "repeat_times"),
        "until": _text(fields, "repeat_until"),
    }
    return {k: v for k, v in repeat.items() if v is not None} or None


def _params(fields: dict[str, str]) -> dict[str, Any]:
    text = fields.get("params", "").strip() or "{}"
    try:
        params = json.loads(text)
    except ValueError as exc:
        raise FormErrors({"params": f"not valid JSON: {exc}"}) from None
    if not isinstance(params, dict):
        raise FormErrors({"params": 'must be a JSON object, such as {"input": "hello"}'})
    return params


def _settings(fields: dict[str, str]) -> dict[str, Any]:
    """The fields a task has at creation and may change later (none of the schedule's)."""
    retry = {
        "max_attempts": _whole(fields, "retry_max_attempts"),
        "backoff": _text(fields, "retry_backoff"),
        "max_backoff": _text(fields, "retry_max_backoff"),
    }
    optional = {
        "timeout": _text(fields, "timeout"),
        "overlap": _text(fields, "overlap"),
        "catchup": _text(fields, "catchup"),
        "catchup_window": _text(fields, "catchup_window"),
    }
    data: dict[str, Any] = {
        # An empty name or callback URL clears it; an empty policy keeps the default.
        "name": _text(fields, "name"),
        "params": _params(fields),
        "callback_url": _text(fields, "callback_url"),
        **{k: v for k, v in optional.items() if v is not None},
    }
    if any(retry.values()):
        data["retry"] = {k: v for k, v in retry.items() if v is not None}
    return data


def create_request(fields: dict[str, str]) -> TaskCreate:
    """Raises: FormErrors."""
    executor = _text(fields, "executor_type")
    entrypoint = _text(fields, "entrypoint_tag") or ("team" if executor == "team" else None)
    data = {
        **_settings(fields),
        "executor_type": executor,
        "agent_id": _text(fields, "agent_id"),
        "entrypoint_tag": entrypoint,
        "agent_host": _text(fields, "agent_host"),
        "agent_port": _text(fields, "agent_port"),
        "when": _text(fields, "when") or "now",
        "timezone": _text(fields, "timezone"),
        "repeat": repeat_of(fields),
    }
    return _validate(TaskCreate, {k: v for k, v in data.items() if v is not None})


def patch_request(fields: dict[str, str], task: TaskOut) -> TaskPatch:
    """The edit as a patch: every setting, and the schedule only where it changed.

    Raises: FormErrors.
    """
    data = _settings(fields)
    when = _text(fields, "when") or task.when
    timezone = _text(fields, "timezone") or task.timezone
    repeat = repeat_of(fields)
    if repeat is not None:
        repeat = _validate(RepeatIn, repeat).model_dump(mode="json", exclude_none=True)
    if when != task.when:
        data["when"] = when
    if timezone != task.timezone:
        data["timezone"] = timezone
    if repeat != task.repeat:
        data["repeat"] = repeat
    return _validate(TaskPatch, data)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def values_of(task: TaskOut) -> dict[str, str]:
    """The edit form's fields, filled in from ``task``."""
    repeat = task.repeat or {}
    return {
        "name": task.name or "",
        "executor_type": task.executor_type,
        "agent_id": task.agent_id,
        "entrypoint_tag": task.entrypoint_tag,
        "agent_host": task.agent_host or "",
        "agent_port": str(task.agent_port or ""),
        "when": task.when,
        "timezone": task.timezone,
        "repeat_interval": str(repeat.get("interval", "")),
        "repeat_times": str(repeat.get("times", "")),
        "repeat_until": str(repeat.get("until", "")),
        "params": json.dumps(task.params, indent=2, ensure_ascii=False),
        "timeout": _number(task.timeout_seconds),
        "retry_max_attempts": str(task.retry.max_attempts),
        "retry_backoff": _number(task.retry.backoff_seconds),
        "retry_max_backoff": _number(task.retry.max_backoff_seconds),
        "overlap": task.overlap,
        "catchup": task.catchup,
        "catchup_window": _number(task.catchup_window_seconds),
        "callback_url": task.callback_url or "",
    }


def blank_values(timezone: str, **prefill: str) -> dict[str, str]:
    values = dict.fromkeys(FIELDS, "")
    values.update(when="now", timezone=timezone, params="{}", overlap="allow", catchup="latest")
    values.update({k: v for k, v in prefill.items() if k in FIELDS and v})
    return values


def submitted(fields: dict[str, str]) -> dict[str, str]:
    """The form's fields as posted (to show them again, as typed, next to its errors)."""
    return {name: fields[name] for name in FIELDS if name in fields}


def preview(services: Services, fields: dict[str, str], now: datetime) -> dict[str, Any]:
    """How ``when`` (with the timezone and repeat fields) reads, and its next 5 fires."""
    timezone = _text(fields, "timezone") or services.system.config().timezone
    try:
        repeat = repeat_of(fields)
        request = _validate(
            ParseIn,
            {"when": _text(fields, "when") or "now", "timezone": timezone, "repeat": repeat},
        )
        schedule = services.tasks.preview(request)
    except FormErrors as exc:
        field, message = next(iter(exc.errors.items()))
        return {"ok": False, "field": field, "error": message}
    except TimespecError as exc:
        field = field_of(getattr(exc, "field", "when"))
        return {"ok": False, "field": field, "error": str(exc)}
    return {
        "ok": True,
        "kind": schedule.kind,
        "description": schedule.description,
        "timezone": schedule.timezone,
        "fires": [
            {
                "at": iso(fire),
                "zone_text": in_zone(fire, schedule.timezone),
                "utc_text": in_zone(fire, "UTC"),
                "relative": relative(fire, now),
                "note": note(fire, schedule.timezone),
            }
            for fire in schedule.next_runs
        ],
    }
