"""Executing one claimed run with its executor, under the engine's timeout and cancel."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import orjson

from runagent_pulse.common.clock import Clock
from runagent_pulse.domain.errors import ExecutionError
from runagent_pulse.domain.plans import Outcome
from runagent_pulse.domain.statuses import RunStatus
from runagent_pulse.executors.base import ExecutionContext, Executor
from runagent_pulse.observability import tracing
from runagent_pulse.store.sql import Row


class CancelReason:
    USER = "cancelled by request"
    OVERLAP = "cancelled: a newer run started (overlap=cancel_previous)"
    SHUTDOWN = (
        "interrupted: the Pulse node shut down before the run finished; "
        "released so that another node retries it at once"
    )


def _check_json(result: Any) -> None:
    try:
        orjson.dumps(result)
    except TypeError as exc:
        raise ExecutionError(
            "ResultNotSerializable",
            f"The agent returned a value that is not JSON ({exc}). "
            "Return dicts, lists, strings, numbers, booleans or None.",
            retryable=False,
        ) from exc


async def execute_run(
    row: Row,
    executor: Executor,
    clock: Clock,
    cancel_reasons: dict[str, str],
    on_event: Callable[[str, dict[str, Any]], None] | None = None,
) -> Outcome:
    """Run ``row`` to an :class:`Outcome`; never raises except when the engine itself stops."""
    timeout = float(row["timeout_seconds"])
    ctx = ExecutionContext(
        run_id=row["id"],
        task_id=row["task_id"],
        attempt=row["attempt"],
        scheduled_for=row["scheduled_for"],
        agent_id=row["agent_id"],
        entrypoint_tag=row["entrypoint_tag"],
        params=row["params"],
        deadline=time.monotonic() + timeout,
        metadata=row["metadata"],
        user_id=row["user_id"],
        persistent_memory=row["persistent_memory"],
        agent_host=row["agent_host"],
        agent_port=row["agent_port"],
        on_event=on_event,
    )
    try:
        async with asyncio.timeout(timeout):
            with tracing.span("pulse.executor", {"pulse.executor": executor.name}):
                result = await executor.execute(ctx)
        _check_json(result)
    except TimeoutError:
        return Outcome(
            row["id"],
            RunStatus.TIMEOUT,
            clock.now(),
            error_type="Timeout",
            error_message=f"the run exceeded its timeout of {timeout:g} s and was stopped",
        )
    except asyncio.CancelledError:
        reason = cancel_reasons.pop(row["id"], None)
        if reason is None:
            raise
        if reason == CancelReason.SHUTDOWN:
            return Outcome(
                row["id"],
                RunStatus.FAILED,
                clock.now(),
                error_type="Interrupted",
                error_message=reason,
                released=True,
            )
        return Outcome(
            row["id"],
            RunStatus.CANCELLED,
            clock.now(),
            error_type="Cancelled",
            error_message=reason,
        )
    except ExecutionError as exc:
        return Outcome(
            row["id"],
            RunStatus.FAILED,
            clock.now(),
            error_type=exc.error_type,
            error_message=exc.message,
            retryable=exc.retryable,
        )
    except Exception as exc:  # an executor bug must still end the run
        return Outcome(
            row["id"],
            RunStatus.FAILED,
            clock.now(),
            error_type=type(exc).__name__,
            error_message=str(exc)[:2000],
        )
    return Outcome(row["id"], RunStatus.SUCCESS, clock.now(), result=result)
