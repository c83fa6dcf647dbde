"""Errors a Pulse user can see, on the server side.

Every error carries a stable ``code`` (used in the API's ``{"error": {"code", ...}}`` body) and
the HTTP status it maps to::

    PulseError
    ├── NotFoundError                 404
    │   ├── TaskNotFound              task_not_found
    │   ├── RunNotFound               run_not_found
    │   ├── TeamNotFound              team_not_found
    │   └── DeploymentNotFound        deployment_not_found
    ├── ConflictError                 409
    │   ├── InvalidTransition         invalid_transition
    │   ├── TeamExists                team_exists      (a team with that name exists)
    │   └── TeamInUse                 team_in_use      (delete: live tasks run this team)
    ├── ValidationError               422  validation_error
    │   ├── InvalidTarget             invalid_target   (unknown executor, module not allowed, ...)
    │   ├── UnsafeURL                 unsafe_url       (a callback/agent URL the SSRF guard refuses)
    │   └── NoCallbackURL             no_callback_url  (redeliver: the run's task has no callback)
    └── ExecutionError                (not an HTTP error: ends a run as ``failed``)
        └── ResultNotSerializable     result_not_json

``timespec.TimespecError`` (code ``invalid_when``) is the leaf package's own error and is mapped
to 422 by the API.
"""

from __future__ import annotations

from typing import Any


class PulseError(Exception):
    code: str = "pulse_error"
    http_status: int = 500

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class NotFoundError(PulseError):
    code = "not_found"
    http_status = 404


class TaskNotFound(NotFoundError):
    code = "task_not_found"

    def __init__(self, task_id: str) -> None:
        super().__init__(f"No task with id {task_id!r}.", details={"task_id": task_id})
        self.task_id = task_id


class RunNotFound(NotFoundError):
    code = "run_not_found"

    def __init__(self, run_id: str) -> None:
        super().__init__(f"No run with id {run_id!r}.", details={"run_id": run_id})
        self.run_id = run_id


class TeamNotFound(NotFoundError):
    code = "team_not_found"

    def __init__(self, team: str) -> None:
        super().__init__(f"No team with name or id {team!r}.", details={"team": team})
        self.team = team


class DeploymentNotFound(NotFoundError):
    code = "deployment_not_found"

    def __init__(self, deployment_id: str) -> None:
        super().__init__(
            f"No deployment with id {deployment_id!r}.", details={"deployment_id": deployment_id}
        )
        self.deployment_id = deployment_id


class ConflictError(PulseError):
    code = "conflict"
    http_status = 409


class InvalidTransition(ConflictError):
    code = "invalid_transition"

    def __init__(self, object_id: str, current: str, action: str) -> None:
        super().__init__(
            f"Cannot {action} {object_id!r}: it is {current}.",
            details={"id": object_id, "status": current, "action": action},
        )


class TeamExists(ConflictError):
    code = "team_exists"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"A team named {name!r} already exists; pick another name or PATCH that team.",
            details={"name": name},
        )


class TeamInUse(ConflictError):
    code = "team_in_use"

    def __init__(self, team: str, task_ids: list[str]) -> None:
        super().__init__(
            f"Team {team!r} is run by {len(task_ids)} active or paused task(s) "
            f"({', '.join(task_ids[:5])}); cancel them first.",
            details={"team": team, "task_ids": task_ids[:100]},
        )


class ValidationError(PulseError):
    code = "validation_error"
    http_status = 422


class InvalidTarget(ValidationError):
    code = "invalid_target"


class UnsafeURL(ValidationError):
    code = "unsafe_url"

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"URL refused: {reason}", details={"url": url, "reason": reason})
        self.url = url
        self.reason = reason


class NoCallbackURL(ValidationError):
    code = "no_callback_url"

    def __init__(self, run_id: str, task_id: str) -> None:
        super().__init__(
            f"Cannot redeliver run {run_id!r}: its task {task_id!r} has no callback_url "
            "(set one with PATCH /v1/tasks/{task_id}).",
            details={"run_id": run_id, "task_id": task_id},
        )
        self.run_id = run_id
        self.task_id = task_id


class ExecutionError(PulseError):
    """Raised by an executor to end a run as ``failed``.

    ``error_type`` is what the run records as ``error.type`` (for agent exceptions, the exception
    class name); ``retryable=False`` stops the retry policy (a missing module will not appear
    by retrying).
    """

    code = "execution_error"

    def __init__(self, error_type: str, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.retryable = retryable


class ResultNotSerializable(ExecutionError):
    code = "result_not_json"

    def __init__(self, detail: str) -> None:
        super().__init__(
            "ResultNotSerializable",
            f"The agent returned a value that is not JSON: {detail}. "
            "Return dicts, lists, strings, numbers, booleans or None.",
            retryable=False,
        )
