"""Building execution contexts and started serverless executors for these tests."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from runagent_pulse.executors.base import ExecutionContext
from runagent_pulse.executors.serverless import ServerlessExecutor


def make_ctx(
    agent_id: str,
    tag: str,
    params: dict[str, Any] | None = None,
    *,
    host: str | None = None,
    port: int | None = None,
    timeout: float = 60.0,
    **fields: Any,
) -> tuple[ExecutionContext, list[tuple[str, dict[str, Any]]]]:
    """A context for one run, and the list its events are appended to."""
    events: list[tuple[str, dict[str, Any]]] = []
    ctx = ExecutionContext(
        run_id="run_serverless_1",
        task_id="tsk_serverless",
        attempt=1,
        scheduled_for=datetime(2030, 1, 1, tzinfo=UTC),
        agent_id=agent_id,
        entrypoint_tag=tag,
        params=params or {},
        deadline=time.monotonic() + timeout,
        agent_host=host,
        agent_port=port,
        on_event=lambda kind, data: events.append((kind, data)),
        **fields,
    )
    return ctx, events


@contextlib.asynccontextmanager
async def started(**options: Any) -> AsyncIterator[ServerlessExecutor]:
    """A started executor (enabled unless told otherwise), closed afterwards."""
    executor = ServerlessExecutor(**{"enabled": True, "api_key": None, **options})
    await executor.start()
    try:
        yield executor
    finally:
        await executor.close()
