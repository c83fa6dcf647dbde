"""What a client asks about the deployment itself: effective configuration, executors, nodes."""

from __future__ import annotations

from datetime import datetime

from runagent_pulse import __version__
from runagent_pulse.domain.errors import InvalidTarget
from runagent_pulse.engine.engine import Engine
from runagent_pulse.service.models import (
    MAX_BATCH,
    MAX_METADATA_BYTES,
    ConfigOut,
    ExecutorList,
    ExecutorOut,
    LimitsOut,
    NodeList,
)
from runagent_pulse.service.tasks import Defaults
from runagent_pulse.service.views import node_view
from runagent_pulse.store import nodes as node_store
from runagent_pulse.store import stats


def _age(now: datetime, since: datetime | None) -> float:
    return 0.0 if since is None else (now - since).total_seconds()


class SystemService:
    def __init__(self, engine: Engine, defaults: Defaults) -> None:
        self.engine = engine
        self.defaults = defaults

    def config(self) -> ConfigOut:
        """Effective defaults and limits (a UI warns with these before creating a task)."""
        return ConfigOut(
            version=__version__,
            timezone=self.defaults.timezone,
            default_executor=self.defaults.default_executor,
            executors=self.engine.executors.names(),
            run_timeout_seconds=self.defaults.run_timeout_seconds,
            schedule_timeout_seconds=self.defaults.schedule_timeout_seconds,
            max_concurrent_runs=self.engine.max_concurrent_runs,
            limits=LimitsOut(
                max_batch=MAX_BATCH,
                max_params_bytes=self.defaults.max_params_bytes,
                max_metadata_bytes=MAX_METADATA_BYTES,
            ),
            server_time=self.engine.clock.now(),
        )

    def executors(self) -> ExecutorList:
        """Every executor this server has, whether tasks may use it, and if not, how to enable
        it."""
        registry = self.engine.executors
        try:
            resolved: str | None = registry.resolve(None)
        except InvalidTarget:
            resolved = None
        return ExecutorList(
            default_executor=self.defaults.default_executor,
            resolved_default=resolved,
            items=[
                ExecutorOut(name=name, available=state.available, reason=state.reason)
                for name, state in registry.availability().items()
            ],
        )

    async def metrics(self) -> bytes:
        """This node's metrics in Prometheus' text format, with the cluster-wide gauges read
        from the database now."""
        now = self.engine.clock.now()
        async with self.engine.db.read() as conn:
            state = await stats.cluster_state(conn, now=now)
            node_rows = await node_store.list_nodes(conn)
        node_states: dict[str, int] = {}
        for row in node_rows:
            state_name = node_view(row, now=now, dead_after=self.engine.lease_duration).state
            node_states[state_name] = node_states.get(state_name, 0) + 1
        metrics = self.engine.metrics
        metrics.up.set(1 if self.engine.started else 0)
        metrics.set_state(
            due_unclaimed=state.due_unclaimed,
            due_oldest_age=_age(now, state.oldest_due_at),
            running=state.running,
            node_running=self.engine.active_runs,
            deliveries_pending=state.deliveries_pending,
            delivery_oldest_age=_age(now, state.oldest_delivery_at),
            live_deployments=state.live_deployments,
            nodes=node_states,
        )
        return metrics.exposition()

    async def nodes(self) -> NodeList:
        """Every node seen in the last week, newest first, with the runs each is running."""
        now = self.engine.clock.now()
        async with self.engine.db.read() as conn:
            rows = await node_store.list_nodes(conn)
        dead_after = self.engine.lease_duration
        return NodeList(
            items=[node_view(row, now=now, dead_after=dead_after) for row in rows],
            server_time=now,
        )
