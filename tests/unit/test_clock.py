"""The dispatcher waits for a run's due time with ``Clock.wait_until``: it must never return
before the instant (a run would be looked for before it is due), on the loop Pulse serves on
(uvloop, whose timers count whole milliseconds and fire up to one early) and on asyncio's."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import uvloop

from runagent_pulse.common.clock import DatabaseClock, ManualClock, SystemClock

LOOPS: dict[str, Callable[[Coroutine[Any, Any, Any]], Any]] = {
    "uvloop": uvloop.run,
    "asyncio": asyncio.run,
}


@pytest.mark.parametrize("loop", sorted(LOOPS))
def test_system_clock_never_returns_before_the_instant(loop: str) -> None:
    clock = SystemClock()

    async def early_returns() -> list[timedelta]:
        never_set = asyncio.Event()
        early = []
        for step in range(40):
            instant = clock.now() + timedelta(microseconds=300 + 97 * step)
            await clock.wait_until(never_set, instant)
            if clock.now() < instant:
                early.append(instant - clock.now())
        return early

    assert LOOPS[loop](early_returns()) == []


async def test_system_clock_returns_at_once_when_woken() -> None:
    clock = SystemClock()
    woken = asyncio.Event()
    woken.set()
    instant = clock.now() + timedelta(hours=1)
    await asyncio.wait_for(clock.wait_until(woken, instant), timeout=5)
    assert clock.now() < instant


async def test_a_database_clock_waits_for_its_own_time() -> None:
    base = ManualClock(datetime(2026, 1, 1, 12, 0, 30, tzinfo=UTC))
    clock = DatabaseClock(base, lambda: None)  # type: ignore[arg-type,return-value]
    clock.offset = timedelta(seconds=-30)  # the database is 30 s behind this machine
    instant = datetime(2026, 1, 1, 12, 0, 10, tzinfo=UTC)
    waiting = asyncio.create_task(clock.wait_until(asyncio.Event(), instant))
    await asyncio.sleep(0)
    assert not waiting.done()
    base.advance(10)
    await asyncio.wait_for(waiting, timeout=5)
    assert clock.now() == instant
