"""The executor interface: how the engine hands one run to a backend.

The engine owns time: it calls :meth:`Executor.execute` inside ``asyncio.timeout`` and cancels
the coroutine on timeout or on a user's cancel. An executor must therefore release everything
it holds (kill a worker process, close a connection, tear down a deployment) when the coroutine
is cancelled, and must not swallow ``asyncio.CancelledError``.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar


@dataclass(slots=True)
class ExecutionContext:
    """Everything an executor may know about the run it executes."""

    run_id: str
    """Unique per run and stable across lease recovery: pass it downstream as an idempotency key."""
    task_id: str
    attempt: int
    scheduled_for: datetime
    agent_id: str
    entrypoint_tag: str
    params: dict[str, Any]
    deadline: float
    """``time.monotonic()`` value after which the engine cancels the run as ``timeout``."""
    metadata: dict[str, Any] = field(default_factory=dict)
    user_id: str | None = None
    persistent_memory: bool = False
    agent_host: str | None = None
    """``serverless``: the host of an agent served by ``runagent serve`` (else RunAgent cloud)."""
    agent_port: int | None = None
    cancelled: asyncio.Event = field(default_factory=asyncio.Event)
    on_event: Callable[[str, dict[str, Any]], None] | None = None

    def event(self, kind: str, **data: Any) -> None:
        """Append an entry to the run's log (for team runs, its conversation)."""
        if self.on_event is not None:
            self.on_event(kind, data)


@dataclass(frozen=True, slots=True)
class Availability:
    """Whether an executor can take runs on this server, and if not, how to enable it."""

    available: bool = True
    reason: str | None = None
    """Why it is unavailable (or what it cannot do), with the setting that changes it."""


AVAILABLE = Availability()

AGENT_STARTED = "agent_started"
"""The run event an executor that queues runs records when the agent really begins."""


class Executor(abc.ABC):
    """One execution backend (``local``, ``echo``, ``http``, ``serverless``, ``team``)."""

    name: ClassVar[str]
    reports_start: ClassVar[bool] = False
    """True when a claimed run may wait inside the executor (for a worker) before its agent
    starts; such an executor records :data:`AGENT_STARTED` when it does, and a run whose node
    died before that event is put back in the queue without using an attempt."""
    starts_on_first_use: ClassVar[bool] = False
    """True when :meth:`execute` starts the executor itself: the node does not start it, so
    what it holds (worker processes) costs nothing until a run needs it."""

    def validate_target(self, agent_id: str, entrypoint_tag: str) -> None:  # noqa: B027
        """Check at create time that the target can exist.

        Raises:
            InvalidTarget: the target can never run here (e.g. a module outside LOCAL_AGENT_PATH).
        """

    def availability(self) -> Availability:
        """Whether tasks may be scheduled here (the default: always)."""
        return AVAILABLE

    def validate_params(self, params: dict[str, Any]) -> None:  # noqa: B027
        """Check at create and update time that ``params`` suit this executor.

        Raises:
            ValidationError: a field of ``params`` is wrong (the message names it).
        """

    async def start(self) -> None:  # noqa: B027
        """Acquire long-lived resources (worker processes, HTTP pools). Called once."""

    async def close(self) -> None:  # noqa: B027
        """Release everything :meth:`start` acquired. Called once on shutdown."""

    @abc.abstractmethod
    async def execute(self, ctx: ExecutionContext) -> Any:
        """Run ``ctx`` and return its result, which must be JSON-serialisable.

        Raises:
            ExecutionError: the run failed (``retryable`` tells the retry policy whether to retry).
            ResultNotSerializable: the agent returned something that is not JSON.
            asyncio.CancelledError: propagated after cleaning up when the engine cancels.
        """
