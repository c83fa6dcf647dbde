"""One Pulse node: the database, its migrations, the executors, the engine, the deliverer and
the retention loop, started and stopped together (``pulse serve`` wraps it in the API;
``pulse worker`` runs it alone)."""

from __future__ import annotations

import logging
import os

from runagent_pulse.common.agent_env import agent_environment
from runagent_pulse.common.clock import Clock, DatabaseClock, SystemClock
from runagent_pulse.config import Settings
from runagent_pulse.delivery.outbox import Deliverer
from runagent_pulse.delivery.server_secret import load_server_secret
from runagent_pulse.engine.engine import Engine, default_node_id
from runagent_pulse.engine.retention import Retention
from runagent_pulse.engine.wakeups import CrossNodeWakeups
from runagent_pulse.executors.http import HttpExecutor
from runagent_pulse.executors.registry import build_registry
from runagent_pulse.executors.serverless import ServerlessExecutor
from runagent_pulse.executors.team.executor import TeamExecutor
from runagent_pulse.executors.team.process_runtime import ProcessRuntime
from runagent_pulse.executors.team.reaper import DeploymentReaper
from runagent_pulse.observability.metrics import Metrics
from runagent_pulse.service import Defaults, Services
from runagent_pulse.store.database import Database
from runagent_pulse.store.migrate import upgrade

log = logging.getLogger(__name__)


def service_defaults(settings: Settings) -> Defaults:
    """What the application layer applies to every task, from the operator's settings."""
    return Defaults(
        timezone=settings.timezone,
        run_timeout_seconds=settings.run_timeout.total_seconds(),
        schedule_timeout_seconds=settings.schedule_timeout.total_seconds(),
        max_params_bytes=settings.max_params_bytes,
        callback_allow_private=settings.callback_allow_private,
        default_executor=settings.default_executor,
        local_agent_path=tuple(settings.local_agent_path),
        local_agent_allowlist=tuple(settings.local_agent_allowlist),
        local_agent_follow_symlinks=settings.local_agent_follow_symlinks,
    )


class Node:
    def __init__(
        self, settings: Settings, *, clock: Clock | None = None, role: str = "serve"
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.db = Database(settings.database_url, pool_size=settings.db_pool_size)
        self.metrics = Metrics()
        self.db.observe = self.metrics.transaction
        time_source = clock or (
            SystemClock()
            if self.db.is_sqlite
            else DatabaseClock(SystemClock(), self.db.server_time)
        )
        node_id = default_node_id()
        agent_env = agent_environment(os.environ, settings.agent_env_passthrough)
        self.teams = TeamExecutor(
            self.db,
            runtimes={
                ProcessRuntime.name: ProcessRuntime(
                    agent_paths=settings.local_agent_path,
                    allowlist=settings.local_agent_allowlist,
                    allow_private_urls=settings.callback_allow_private,
                    follow_symlinks=settings.local_agent_follow_symlinks,
                    env=agent_env,
                )
            },
            clock=time_source,
            node_id=node_id,
            metrics=self.metrics,
        )
        key = settings.serverless_api_key
        serverless = ServerlessExecutor(
            enabled=settings.enable_serverless,
            api_key=key.get_secret_value() if key else None,
            base_url=settings.runagent_base_url,
            max_in_flight=settings.agent_max_in_flight,
        )
        self.registry = build_registry(
            agent_paths=settings.local_agent_path,
            allowlist=settings.local_agent_allowlist,
            local_workers=settings.local_workers,
            default_executor=settings.default_executor,
            serverless_enabled=serverless.cloud_ready,
            follow_symlinks=settings.local_agent_follow_symlinks,
            agent_env=agent_env,
            extra=[
                self.teams,
                serverless,
                HttpExecutor(
                    allow_private=settings.callback_allow_private,
                    max_response_bytes=settings.http_max_response_bytes,
                    max_connections=settings.http_max_connections,
                ),
            ],
        )
        self.deliverer = Deliverer(
            self.db,
            clock=time_source,
            retry_schedule=settings.callback_retry_schedule,
            timeout=settings.callback_timeout.total_seconds(),
            allow_private=settings.callback_allow_private,
            metrics=self.metrics,
        )
        self.engine = Engine(
            self.db,
            self.registry,
            clock=time_source,
            max_concurrent_runs=settings.max_concurrent_runs,
            lease_duration=settings.lease_duration,
            node_id=node_id,
            role=role,
            after_record=self.deliverer.after_record,
            after_commit=self.deliverer.after_commit,
            metrics=self.metrics,
        )
        self.retention = Retention(self.db, clock=time_source, keep=settings.run_retention)
        self.reaper = DeploymentReaper(
            self.db, clock=time_source, interval=settings.lease_duration.total_seconds()
        )
        self.wakeups = None if self.db.is_sqlite else CrossNodeWakeups(self.db, self.engine)
        self.services = Services.build(self.engine, self.deliverer, service_defaults(settings))

    async def start(self) -> None:
        await upgrade(self.db)
        configured = self.settings.webhook_secret
        self.deliverer.secret = await load_server_secret(
            self.db, configured.get_secret_value() if configured else None
        )
        await self.registry.start()
        await self.engine.start()
        if self.wakeups is not None:
            await self.wakeups.start()
        await self.reaper.start()
        await self.deliverer.start()
        await self.retention.start()

    async def stop(self) -> None:
        try:
            if self.wakeups is not None:
                await self.wakeups.stop()
            # first: its last outcomes may still add deliveries
            await self.engine.stop(self.settings.shutdown_grace.total_seconds())
        finally:
            try:
                await self.reaper.stop()
                await self.deliverer.stop()
                await self.retention.stop()
            finally:
                await self.registry.close()
                await self.db.dispose()
