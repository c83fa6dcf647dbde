"""Calling an executor directly in a test."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from runagent_pulse.executors.base import ExecutionContext


def execution_context(
    agent_id: str = "agent",
    entrypoint_tag: str = "entrypoint",
    params: dict[str, Any] | None = None,
    *,
    run_id: str = "run_1",
    task_id: str = "task_1",
    attempt: int = 1,
    seconds: float = 60.0,
) -> ExecutionContext:
    """An :class:`ExecutionContext` for calling an executor directly, due in ``seconds``."""
    return ExecutionContext(
        run_id=run_id,
        task_id=task_id,
        attempt=attempt,
        scheduled_for=datetime(2030, 1, 1, tzinfo=UTC),
        agent_id=agent_id,
        entrypoint_tag=entrypoint_tag,
        params=params or {},
        deadline=time.monotonic() + seconds,
    )
