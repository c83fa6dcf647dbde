"""The reaper: tears down deployments left behind by a node that died.

On start-up and then every ``interval`` it looks for deployments that have not ended although
their run is not running on a live node (the run ended, or its lease expired), ends each recorded
agent process that is still the one recorded (same pid, start time and ``PULSE_DEPLOYMENT_ID``:
a reused pid is never signalled), and marks the deployment ``stopped``. The run itself is ended by
the engine's lease recovery (``failed`` with ``LeaseExpired``, retried per its policy).
"""

from __future__ import annotations

import asyncio
import logging

from runagent_pulse.common.background import cancel_and_wait
from runagent_pulse.common.clock import Clock
from runagent_pulse.domain.statuses import DeploymentStatus
from runagent_pulse.executors.team import processes
from runagent_pulse.store import deployments as deployment_store
from runagent_pulse.store.database import Database
from runagent_pulse.store.sql import Row

log = logging.getLogger(__name__)

BATCH = 100


class DeploymentReaper:
    def __init__(self, db: Database, *, clock: Clock, interval: float, grace: float = 1.0) -> None:
        self.db = db
        self.clock = clock
        self.interval = interval
        self.grace = grace
        self._loop: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.reap_once()
        self._loop = asyncio.create_task(self._run(), name="pulse-deployment-reaper")

    async def stop(self) -> None:
        await cancel_and_wait(self._loop)
        self._loop = None

    async def _run(self) -> None:
        wake = asyncio.Event()
        while True:
            await self.clock.wait(wake, self.interval)
            try:
                await self.reap_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reaping orphaned deployments failed; retrying")

    async def reap_once(self) -> int:
        """Tear down every orphaned deployment; return how many were marked ``stopped``."""
        async with self.db.read() as conn:
            orphans = await deployment_store.orphans(conn, now=self.clock.now(), limit=BATCH)
        stopped = 0
        for row in orphans:
            stopped += await self._reap(row)
        return stopped

    async def _reap(self, row: Row) -> int:
        found = [
            process
            for agent in row["agents"]
            if agent.get("pid") and agent.get("started") is not None
            if (process := processes.find(agent["pid"], agent["started"], row["id"])) is not None
        ]
        survivors = await processes.end_processes(found, self.grace)
        now = self.clock.now()
        note = f"reaped by the node reaper: {len(found)} agent process(es) were still running"
        if row["error"]:
            note = f"{row['error']}; {note}"
        async with self.db.write() as conn:
            if survivors:
                await deployment_store.update_deployment(
                    conn, row["id"], now=now, error=f"{note}; pids {survivors} survived SIGKILL"
                )
            else:
                await deployment_store.update_deployment(
                    conn, row["id"], now=now, status=DeploymentStatus.STOPPED, error=note
                )
        log.warning(
            "reaped orphaned deployment %s (%d processes ended)",
            row["name"],
            len(found),
            extra={"action": "deployment_reaped", "deployment": row["id"]},
        )
        return 0 if survivors else 1
