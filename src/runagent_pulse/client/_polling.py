"""Polling the server until something is final, with a bound (the SDK's ``wait`` methods)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from runagent_pulse.client.errors import PulseTimeoutError

T = TypeVar("T")


async def poll_until(
    fetch: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    *,
    timeout: float | None,  # noqa: ASYNC109 - a bound on polling, not on one call
    poll_interval: float,
    timed_out: Callable[[T], PulseTimeoutError],
) -> T:
    """Call ``fetch`` every ``poll_interval`` seconds until ``done`` says its value is final;
    raise ``timed_out(last value)`` after ``timeout`` seconds (None: wait forever)."""
    loop = asyncio.get_running_loop()
    deadline = None if timeout is None else loop.time() + timeout
    while True:
        value = await fetch()
        if done(value):
            return value
        remaining = None if deadline is None else deadline - loop.time()
        if remaining is not None and remaining <= 0:
            raise timed_out(value)
        await asyncio.sleep(poll_interval if remaining is None else min(poll_interval, remaining))
