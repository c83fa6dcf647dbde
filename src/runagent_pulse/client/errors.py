"""Errors raised by the Pulse SDK.

Every error subclasses :class:`PulseError` and carries a stable ``code`` (the server's
``{"error": {"code": ...}}`` value when the server sent one), a human ``message``, the HTTP
``status_code`` (``None`` when no response arrived) and ``details`` (a dict)::

    PulseError                      pulse_error
    ├── AuthenticationError         unauthorized         401
    ├── NotFoundError               not_found            404
    │   ├── TaskNotFoundError       task_not_found
    │   └── RunNotFoundError        run_not_found
    ├── ConflictError               invalid_transition   409
    ├── PayloadTooLargeError        payload_too_large    413
    ├── ValidationError             validation_error     422
    │   ├── InvalidWhenError        invalid_when
    │   ├── InvalidTargetError      invalid_target
    │   └── UnsafeURLError          unsafe_url
    ├── RateLimitError              rate_limited         429
    ├── ServerError                 server_error         5xx (or a response that is not JSON)
    ├── PulseConnectionError        connection_error     no response: server unreachable
    └── PulseTimeoutError           timeout              a request or ``wait()`` ran out of time

The class-level ``code`` is the default; an instance built from a server response keeps the
server's code (for example a 409 whose code is not ``invalid_transition``).
"""

from __future__ import annotations

from typing import Any


class PulseError(Exception):
    """Root of every error the SDK raises."""

    code: str = "pulse_error"
    status_code: int | None = None

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        self.details: dict[str, Any] = dict(details or {})

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class AuthenticationError(PulseError):
    """The server requires an API key (``PULSE_API_KEY``) and the one sent is missing or wrong."""

    code = "unauthorized"
    status_code = 401


class NotFoundError(PulseError):
    code = "not_found"
    status_code = 404


class TaskNotFoundError(NotFoundError):
    code = "task_not_found"

    @property
    def task_id(self) -> str | None:
        return self.details.get("task_id")


class RunNotFoundError(NotFoundError):
    code = "run_not_found"

    @property
    def run_id(self) -> str | None:
        return self.details.get("run_id")


class ConflictError(PulseError):
    """The object is not in a state that allows the action (e.g. resuming a cancelled task)."""

    code = "invalid_transition"
    status_code = 409


class PayloadTooLargeError(PulseError):
    code = "payload_too_large"
    status_code = 413


class ValidationError(PulseError):
    code = "validation_error"
    status_code = 422


class InvalidWhenError(ValidationError):
    """The ``when`` (or ``repeat``) text could not be understood; the message lists the forms."""

    code = "invalid_when"


class InvalidTargetError(ValidationError):
    code = "invalid_target"


class UnsafeURLError(ValidationError):
    code = "unsafe_url"


class RateLimitError(PulseError):
    code = "rate_limited"
    status_code = 429


class ServerError(PulseError):
    code = "server_error"
    status_code = 500


class PulseConnectionError(PulseError):
    """No response: the server is not running, not reachable, or the connection broke."""

    code = "connection_error"

    def __init__(self, server_url: str, reason: str) -> None:
        super().__init__(
            f"Cannot reach the Pulse server at {server_url} ({reason}). "
            "Is it running? Start it with `pulse serve`, or pass the right --server-url "
            "(PULSE_SERVER_URL).",
            details={"server_url": server_url, "reason": reason},
        )
        self.server_url = server_url


class PulseTimeoutError(PulseError):
    code = "timeout"


ERRORS_BY_CODE: dict[str, type[PulseError]] = {
    cls.code: cls
    for cls in (
        AuthenticationError,
        NotFoundError,
        TaskNotFoundError,
        RunNotFoundError,
        ConflictError,
        PayloadTooLargeError,
        ValidationError,
        InvalidWhenError,
        InvalidTargetError,
        UnsafeURLError,
        RateLimitError,
    )
}

ERRORS_BY_STATUS: dict[int, type[PulseError]] = {
    400: ValidationError,
    401: AuthenticationError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: ValidationError,
    429: RateLimitError,
}


def error_for_response(status_code: int, body: Any, text: str = "") -> PulseError:
    """Build the error for a non-2xx response with its ``{"error": {...}}`` body (if any).

    The server's ``code`` picks the class when known (it is more precise than the status), else
    the status does; any other 4xx is a plain :class:`PulseError`, any 5xx a :class:`ServerError`.
    """
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = str(error.get("code") or "")
        message = str(error.get("message") or f"HTTP {status_code}")
        details = error.get("details") if isinstance(error.get("details"), dict) else {}
    else:
        code = ""
        message = f"HTTP {status_code}: {text.strip()[:200] or 'no details'}"
        details = {}
    if status_code >= 500:
        cls: type[PulseError] = ServerError
    else:
        by_code = ERRORS_BY_CODE.get(code)
        by_status = ERRORS_BY_STATUS.get(status_code, PulseError)
        # A known code wins only when it agrees with the status family (a 404 body never makes a
        # ValidationError); otherwise the status decides.
        cls = by_code if by_code and issubclass(by_code, by_status) else by_status
    return cls(message, code=code or None, status_code=status_code, details=details)
