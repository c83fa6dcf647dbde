"""The one error of the ``timespec`` package."""

from __future__ import annotations

from typing import Literal

ErrorField = Literal["when", "timezone", "repeat", "duration"]


class TimespecError(ValueError):
    """A ``when`` / ``timezone`` / ``repeat`` / duration value that cannot be understood.

    ``str(error)`` says what was wrong and what is accepted; ``field`` names the input at fault.
    """

    code = "invalid_when"

    def __init__(self, message: str, *, field: ErrorField = "when") -> None:
        super().__init__(message)
        self.message = message
        self.field: ErrorField = field

    def __repr__(self) -> str:
        return f"TimespecError({self.message!r}, field={self.field!r})"
