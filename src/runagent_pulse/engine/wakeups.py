"""Waking this node when runs become due elsewhere (PostgreSQL ``LISTEN``/``NOTIFY``).

A trigger on ``runs`` (migration 0002) sends ``NOTIFY pulse_wake, '<epoch seconds>'`` with the
earliest due time of every statement that inserts or re-schedules runs, on commit. Every node
listens, so a task created through one node's API, a retry planned by another, or a run released
by a node shutting down reaches the dispatcher that has room for it at once, instead of at the
dispatcher's safety cap.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from runagent_pulse.common.background import cancel_and_wait
from runagent_pulse.engine.engine import Engine
from runagent_pulse.store.database import Database

log = logging.getLogger(__name__)

WAKE_CHANNEL = "pulse_wake"
RECONNECT_SECONDS = 2.0


class CrossNodeWakeups:
    def __init__(self, db: Database, engine: Engine) -> None:
        self._db = db
        self._engine = engine
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="pulse-wakeups")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)

    def _on_message(self, payload: str) -> None:
        try:
            due = datetime.fromtimestamp(float(payload), UTC)
        except (ValueError, OverflowError):
            self._engine.wake()
            return
        self._engine.wake_for([due])

    async def _listen(self) -> None:
        while True:
            try:
                listener = await self._db.listen(WAKE_CHANNEL, self._on_message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("cannot LISTEN for wake-ups (%s); retrying", exc)
                await asyncio.sleep(RECONNECT_SECONDS)
                continue
            self.connected.set()
            self._engine.wake()  # notifications sent while disconnected are lost: look now
            try:
                await listener.lost.wait()
                log.warning("the LISTEN connection was lost; reconnecting")
            finally:
                self.connected.clear()
                await listener.close()
