"""A limit on wrong API keys per client address. The API's bearer check and the dashboard's login
take the same key, so they share one budget: an address that gives :data:`WRONG_KEYS_PER_WINDOW`
wrong keys within :data:`WINDOW_SECONDS` is refused (429) until that window ends, whatever key it
sends meanwhile."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger(__name__)

WRONG_KEYS_PER_WINDOW = 10
WINDOW_SECONDS = 60.0
MAX_ADDRESSES = 10_000
"""Addresses remembered at once; past that, windows that ended are dropped, then the oldest."""


class KeyGuessLimit:
    """Wrong keys per client address, counted in a window that starts at the first one."""

    def __init__(
        self,
        *,
        limit: int = WRONG_KEYS_PER_WINDOW,
        window: float = WINDOW_SECONDS,
        max_addresses: int = MAX_ADDRESSES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.max_addresses = max_addresses
        self.clock = clock
        self._windows: dict[str, tuple[float, int]] = {}
        """Per address: when its window started, and the wrong keys given in it."""

    def wait(self, address: str) -> int:
        """Whole seconds before ``address`` may send a key again: 0 unless it gave
        ``limit`` wrong keys in its current window."""
        entry = self._windows.get(address)
        if entry is None:
            return 0
        started, wrong = entry
        left = started + self.window - self.clock()
        if left <= 0:
            del self._windows[address]
            return 0
        return math.ceil(left) if wrong >= self.limit else 0

    def wrong(self, address: str) -> None:
        """Count a wrong key from ``address`` (logged once it reaches the limit)."""
        now = self.clock()
        entry = self._windows.get(address)
        if entry is not None and now - entry[0] < self.window:
            wrong = entry[1] + 1
            self._windows[address] = (entry[0], wrong)  # keeps its place
        else:
            if entry is not None:
                del self._windows[address]  # its window ended: a new one starts, last in order
            elif len(self._windows) >= self.max_addresses:
                self._forget_one(now)
            wrong = 1
            self._windows[address] = (now, wrong)
        if wrong == self.limit:
            log.warning(
                "%s sent %d wrong API keys within %g s: refused (429) until that window ends",
                address,
                self.limit,
                self.window,
                extra={"action": "api_key_guesses_refused", "address": address},
            )

    def _forget_one(self, now: float) -> None:
        """Drop every window that ended, or else the oldest (windows are kept in start order)."""
        ended = [a for a, (started, _) in self._windows.items() if now - started >= self.window]
        for address in ended:
            del self._windows[address]
        if not ended:
            del self._windows[next(iter(self._windows))]

    def __len__(self) -> int:
        return len(self._windows)


def client_address(scope: Mapping[str, Any]) -> str:
    """The ASGI client's host (uvicorn takes it from ``X-Forwarded-For`` when the proxy is
    trusted: ``FORWARDED_ALLOW_IPS``); ``"unknown"`` when the server has none."""
    client = scope.get("client")
    if isinstance(client, tuple | list) and client:
        return str(client[0])
    return "unknown"


def refusal(wait: int) -> str:
    return f"Too many wrong API keys from this address: try again in {wait} s."
