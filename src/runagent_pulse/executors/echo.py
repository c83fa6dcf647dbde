"""The ``echo`` executor: returns the run's params, in-process.

For tests, demos and benchmarks. Three params change its behaviour:

- ``events`` (a count, at most 1,000): emit that many ``echo`` run events (``{"i": 0}``, …) first;
- ``sleep`` (seconds, a number): wait that long first (cancellable, so timeouts can be tested);
- ``fail`` (truthy): raise a retryable ``ExecutionError("EchoFailure", str(fail))``.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from runagent_pulse.domain.errors import ExecutionError
from runagent_pulse.executors.base import ExecutionContext, Executor

__all__ = ["EchoExecutor"]

MAX_ECHO_EVENTS = 1000


class EchoExecutor(Executor):
    """Return a copy of ``ctx.params``; see the module docstring for ``sleep`` and ``fail``."""

    name: ClassVar[str] = "echo"

    async def execute(self, ctx: ExecutionContext) -> Any:
        params = ctx.params
        if params:
            events = params.get("events")
            if isinstance(events, int) and not isinstance(events, bool):
                for i in range(min(events, MAX_ECHO_EVENTS)):
                    ctx.event("echo", i=i)
            seconds = params.get("sleep")
            if seconds:
                if not isinstance(seconds, int | float) or isinstance(seconds, bool):
                    raise ExecutionError(
                        "EchoFailure",
                        f"params.sleep must be a number of seconds, not {seconds!r:.80}",
                        retryable=False,
                    )
                await asyncio.sleep(seconds)
            fail = params.get("fail")
            if fail:
                raise ExecutionError("EchoFailure", str(fail), retryable=True)
        return dict(params)
