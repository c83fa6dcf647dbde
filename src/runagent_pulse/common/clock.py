"""Where the engine gets the time from: the system clock, or a manual one for tests."""

from __future__ import annotations

import abc
import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

TIMER_SLACK_SECONDS = 0.001
"""How far from its deadline an event loop's timer may fire: uvloop counts whole milliseconds,
so a timer fires up to a millisecond early or late."""


class Clock(abc.ABC):
    @abc.abstractmethod
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""

    @abc.abstractmethod
    async def wait(self, event: asyncio.Event, seconds: float) -> None:
        """Return when ``event`` is set or ``seconds`` of this clock's time have passed."""

    async def wait_until(self, event: asyncio.Event, instant: datetime) -> None:
        """Return when ``event`` is set or this clock reaches ``instant``."""
        await self.wait(event, (instant - self.now()).total_seconds())

    async def sync(self) -> None:  # noqa: B027
        """Align with the time source nodes share (see :class:`DatabaseClock`)."""


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def wait(self, event: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(seconds, 0.0)):
                await event.wait()

    async def wait_until(self, event: asyncio.Event, instant: datetime) -> None:
        """Return when ``event`` is set or at ``instant``: never before it, and not a timer's
        millisecond after it. The timer is set :data:`TIMER_SLACK_SECONDS` early and the rest
        is waited by yielding to the loop, which runs everything else meanwhile."""
        remaining = (instant - self.now()).total_seconds()
        if remaining > TIMER_SLACK_SECONDS:
            await self.wait(event, remaining - TIMER_SLACK_SECONDS)
        # A sub-millisecond rest no timer can wait: yield to the loop until it has passed.
        while not event.is_set() and self.now() < instant:  # noqa: ASYNC110
            await asyncio.sleep(0)


class ManualClock(Clock):
    """Time stands still until :meth:`advance`; waiting parties wake on every advance."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._waiters: set[asyncio.Event] = set()

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        self._now += delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        for event in list(self._waiters):
            event.set()
        return self._now

    def set(self, instant: datetime) -> datetime:
        return self.advance(instant.astimezone(UTC) - self._now)

    async def wait(self, event: asyncio.Event, seconds: float) -> None:
        if seconds <= 0:
            return
        self._waiters.add(event)
        try:
            await event.wait()
        finally:
            self._waiters.discard(event)


class DatabaseClock(Clock):
    """``base`` corrected by its measured offset to the database server's clock.

    Nodes sharing a PostgreSQL database compare claim times and lease expiries with one
    another; taking "now" from one clock (the database's) means a node whose own clock runs
    ahead can neither fire runs early nor see other nodes' live leases as expired.
    """

    def __init__(self, base: Clock, read_database_time: Callable[[], Awaitable[datetime]]) -> None:
        self._base = base
        self._read_database_time = read_database_time
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return self._base.now() + self.offset

    async def wait(self, event: asyncio.Event, seconds: float) -> None:
        await self._base.wait(event, seconds)

    async def wait_until(self, event: asyncio.Event, instant: datetime) -> None:
        await self._base.wait_until(event, instant - self.offset)

    async def sync(self) -> None:
        """Measure the offset, taking the database's reading as the midpoint of the round trip."""
        before = self._base.now()
        database_now = await self._read_database_time()
        after = self._base.now()
        self.offset = database_now - (before + (after - before) / 2)
