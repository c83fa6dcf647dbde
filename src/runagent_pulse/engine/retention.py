"""The retention loop: prunes finished runs older than ``PULSE_RUN_RETENTION`` in batches."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from runagent_pulse.common.background import cancel_and_wait
from runagent_pulse.common.clock import Clock
from runagent_pulse.store.database import Database
from runagent_pulse.store.retention import prune_finished_runs

log = logging.getLogger(__name__)


class Retention:
    """Deletes finished runs (and their deliveries) whose ``finished_at`` is older than
    ``keep``; ``keep`` of zero keeps everything. Runs once ``first_delay`` after start, then
    every ``period`` seconds."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock,
        keep: timedelta,
        period: float = 600.0,
        first_delay: float = 30.0,
        batch: int = 1000,
    ) -> None:
        self.db = db
        self.clock = clock
        self.keep = keep
        self.period = period
        self.first_delay = first_delay
        self.batch = batch
        self._loop: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    @property
    def enabled(self) -> bool:
        return self.keep > timedelta(0)

    async def prune_once(self) -> int:
        """Delete every run past retention, ``batch`` per transaction; return how many."""
        if not self.enabled:
            return 0
        before = self.clock.now() - self.keep
        total = 0
        while True:
            async with self.db.write() as conn:
                deleted = await prune_finished_runs(conn, before=before, limit=self.batch)
            total += deleted
            if deleted < self.batch:
                break
            await asyncio.sleep(0)  # let the engine's transactions in between batches
        if total:
            log.info(
                "pruned %d finished runs older than %s",
                total,
                before.isoformat(),
                extra={"action": "runs_pruned", "count": total},
            )
        return total

    async def _run(self) -> None:
        due = self.clock.now() + timedelta(seconds=self.first_delay)
        while True:
            remaining = (due - self.clock.now()).total_seconds()
            if remaining > 0:
                await self.clock.wait(self._wake, remaining)
                self._wake.clear()
                continue
            due = self.clock.now() + timedelta(seconds=self.period)
            try:
                await self.prune_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("pruning old runs failed; trying again later")

    async def start(self) -> None:
        if self.enabled:
            self._loop = asyncio.create_task(self._run(), name="pulse-retention")

    async def stop(self) -> None:
        await cancel_and_wait(self._loop)
        self._loop = None
