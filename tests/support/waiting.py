"""Waiting on a condition with a bound (never sleeping for time to pass), and percentiles."""

from __future__ import annotations

import asyncio
import inspect
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of ``values`` (``p`` in 0-100)."""
    ordered = sorted(values)
    rank = max(math.ceil(p / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def wait_for(
    condition: Callable[[], object], bound: float = 30.0, what: str = "", interval: float = 0.01
) -> float:
    """Poll ``condition`` every ``interval`` seconds until it is true; fail after ``bound``.
    Returns ``time.time()`` at the moment the condition held."""
    deadline = time.monotonic() + bound
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not met within {bound}s: {what}")
        time.sleep(interval)
    return time.time()


async def wait_until(
    condition: Callable[[], Awaitable[Any] | Any], bound: float = 30.0, what: str = ""
) -> Any:
    """Poll ``condition`` (sync, or returning an awaitable) until it is truthy and return that
    value; fail after ``bound`` seconds (async tests)."""
    deadline = time.monotonic() + bound
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"not met within {bound}s: {what}")
        await asyncio.sleep(0.01)
