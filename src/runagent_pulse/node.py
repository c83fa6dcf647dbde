"""One Pulse node: the database, its migrations, the executors and the engine, started and
stopped together (``pulse serve`` wraps it in the API; ``pulse worker`` runs it alone)."""

from __future__ import annotations

import logging

from runagent_pulse.config import Settings
from runagent_pulse.engine.clock import Clock
from runagent_pulse.engine.engine import Engine
from runagent_pulse.executors.registry import build_registry
from runagent_pulse.store.database import Database
from runagent_pulse.store.migrate import upgrade

log = logging.getLogger(__name__)


class Node:
    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self.db = Database(settings.database_url)
        self.registry = build_registry(
            agent_paths=settings.local_agent_path,
            allowlist=settings.local_agent_allowlist,
            local_workers=settings.local_workers,
            default_executor=settings.default_executor,
            serverless_enabled=settings.enable_serverless,
        )
        self.engine = Engine(
            self.db,
            self.registry,
            clock=clock,
            max_concurrent_runs=settings.max_concurrent_runs,
            lease_duration=settings.lease_duration,
        )

    async def start(self) -> None:
        async with self.db.write() as conn:
            await upgrade(conn, self.settings.database_url)
        await self.registry.start()
        await self.engine.start()

    async def stop(self) -> None:
        try:
            await self.engine.stop()
        finally:
            await self.registry.close()
            await self.db.dispose()
