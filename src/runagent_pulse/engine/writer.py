"""Group commit of run outcomes: many finished runs per transaction, written every few ms."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from runagent_pulse.common.clock import Clock
from runagent_pulse.domain.plans import NewRun, Outcome, RunEvent
from runagent_pulse.engine.planning import plan_retry
from runagent_pulse.store.completions import (
    CompletionResult,
    complete_idle_tasks,
    record_outcomes,
)
from runagent_pulse.store.database import Database
from runagent_pulse.store.run_events import insert_events
from runagent_pulse.store.sql import Row

log = logging.getLogger(__name__)

AfterRecord = Callable[[AsyncConnection, CompletionResult, datetime], Awaitable[None]]
"""Runs inside the completion transaction (the delivery outbox hooks in here)."""


class CompletionWriter:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        on_written: Callable[[CompletionResult], None],
        after_record: AfterRecord | None = None,
        pending_events: Callable[[], list[RunEvent]] | None = None,
        interval: float = 0.002,
        max_batch: int = 2000,
    ) -> None:
        self._db = db
        self._clock = clock
        self._on_written = on_written
        self._after_record = after_record
        self._pending_events = pending_events
        self._unwritten_events: list[RunEvent] = []
        self._interval = interval
        self._max_batch = max_batch
        self._pending: list[Outcome] = []
        self._ready = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._rng = random.Random()

    def submit(self, outcome: Outcome) -> None:
        self._pending.append(outcome)
        self._idle.clear()
        self._ready.set()

    def poke(self) -> None:
        """Write the events of running runs soon, even if no run ends."""
        self._idle.clear()
        self._ready.set()

    async def write(self, outcomes: list[Outcome]) -> CompletionResult:
        """Record ``outcomes`` now, in one transaction (also used by lease recovery)."""
        now = self._clock.now()
        if self._pending_events is not None:  # kept until written, so a failed write loses none
            self._unwritten_events += self._pending_events()
        events = self._unwritten_events
        if not outcomes and not events:
            return CompletionResult()

        def retry(row: Row, outcome: Outcome) -> NewRun | None:
            return plan_retry(row, outcome, now=now, rng=self._rng)

        async with self._db.write() as conn:
            await insert_events(conn, events)
            result = await record_outcomes(conn, outcomes, now=now, plan_retry=retry)
            if self._after_record is not None and result.finished:
                await self._after_record(conn, result, now)
        self._unwritten_events = []
        if result.may_complete:
            # A second transaction sees what other nodes committed meanwhile: when two nodes
            # finish a task's last runs at once, neither saw the other's run end in its own.
            async with self._db.write() as conn:
                await complete_idle_tasks(conn, result.may_complete)
        self._on_written(result)
        return result

    async def flushed(self) -> None:
        """Wait until every submitted outcome is committed."""
        await self._idle.wait()

    async def run(self) -> None:
        while True:
            await self._ready.wait()
            await asyncio.sleep(self._interval)
            self._ready.clear()
            batch, self._pending = (
                self._pending[: self._max_batch],
                self._pending[self._max_batch :],
            )
            if self._pending:
                self._ready.set()
            try:
                await self.write(batch)
            except asyncio.CancelledError:
                self._pending[:0] = batch
                raise
            except Exception:
                log.exception("writing %d run outcomes failed; retrying", len(batch))
                self._pending[:0] = batch
                self._ready.set()
                await asyncio.sleep(0.5)
                continue
            if not self._pending:
                self._idle.set()
