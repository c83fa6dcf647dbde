"""A monotonic clock that a test moves by hand (for code that takes ``clock=time.monotonic``)."""

from __future__ import annotations


class Ticks:
    """Call it for the time; add to :attr:`now` to move it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now
