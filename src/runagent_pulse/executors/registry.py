"""The executors a server offers, and how a task's ``executor_type`` picks one.

``None`` and ``"auto"`` follow ``DEFAULT_EXECUTOR``: ``"auto"`` means ``serverless`` when it is
enabled, configured with an API key and registered, else ``local``. An explicit name must be
registered and available (:meth:`Executor.availability`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from runagent_pulse.domain.errors import InvalidTarget
from runagent_pulse.executors.base import Availability, Executor
from runagent_pulse.executors.echo import EchoExecutor
from runagent_pulse.executors.local import LocalExecutor

__all__ = ["ExecutorRegistry", "build_registry"]

logger = logging.getLogger(__name__)

AUTO = "auto"


class ExecutorRegistry:
    """Executors by name, with the ``auto`` rule and start/close of them all."""

    def __init__(
        self,
        executors: Mapping[str, Executor],
        *,
        default_executor: str = AUTO,
        serverless_enabled: bool = False,
    ) -> None:
        self._executors = dict(executors)
        self._default = default_executor or AUTO
        self._serverless_enabled = serverless_enabled
        self._started: list[Executor] = []

    def names(self) -> list[str]:
        """Registered executor names, sorted."""
        return sorted(self._executors)

    def availability(self) -> dict[str, Availability]:
        """Each registered executor's availability, by name (sorted)."""
        return {name: self._executors[name].availability() for name in self.names()}

    def resolve(self, executor_type: str | None) -> str:
        """The executor name a task with ``executor_type`` runs on.

        Raises:
            InvalidTarget: the name (or the one ``auto`` picks) is not registered.
        """
        name = executor_type or self._default
        if name == AUTO:
            if self._serverless_enabled and "serverless" in self._executors:
                name = "serverless"
            else:
                name = "local"
        if name not in self._executors:
            available = ", ".join(self.names()) or "none"
            asked = executor_type if executor_type not in (None, AUTO) else f"{name} (auto)"
            hint = (
                "; serverless needs ENABLE_SERVERLESS_INTEGRATION=true"
                if name == "serverless"
                else ""
            )
            raise InvalidTarget(
                f"unknown executor_type {asked!r:.80}; available: {available}{hint}",
                details={"executor_type": executor_type, "available": self.names()},
            )
        state = self._executors[name].availability()
        if not state.available:
            raise InvalidTarget(
                f"executor {name!r} is not available: {state.reason}",
                details={"executor_type": name, "reason": state.reason},
            )
        return name

    def get(self, name: str) -> Executor:
        """The executor registered as ``name`` (a resolved name, not ``auto``).

        Raises:
            InvalidTarget: nothing is registered under ``name``.
        """
        try:
            return self._executors[name]
        except KeyError:
            raise InvalidTarget(
                f"unknown executor {name!r:.80}; available: {', '.join(self.names()) or 'none'}",
                details={"executor_type": name, "available": self.names()},
            ) from None

    def validate(self, executor_type: str | None, agent_id: str, entrypoint_tag: str) -> str:
        """Resolve ``executor_type`` and check the target there; return the resolved name.

        Raises:
            InvalidTarget: unknown executor, or a target that executor can never run.
        """
        name = self.resolve(executor_type)
        try:
            self._executors[name].validate_target(agent_id, entrypoint_tag)
        except InvalidTarget as exc:
            if (executor_type or self._default) == AUTO and name == "local":
                exc.message = f"{exc.message} ({self._why_auto_chose_local()})"
                exc.details = {**exc.details, "executor_type": "auto", "resolved": "local"}
            raise
        return name

    def _why_auto_chose_local(self) -> str:
        """Why ``auto`` ran a task on ``local``, and what to set for the other choices."""
        if not self._serverless_enabled:
            reason = "serverless is off (ENABLE_SERVERLESS_INTEGRATION=false)"
        else:
            reason = "serverless is not available here"
        return (
            f"executor_type was not given, so 'auto' chose 'local' because {reason}; for a "
            "RunAgent agent set executor_type='serverless' and ENABLE_SERVERLESS_INTEGRATION=true "
            "(with RUNAGENT_SERVERLESS_API_KEY), or set executor_type explicitly"
        )

    def validate_params(self, name: str, params: dict[str, Any]) -> None:
        """Check ``params`` for the executor ``name`` (nothing to check if it is not registered).

        Raises:
            ValidationError: the executor refuses ``params``.
        """
        executor = self._executors.get(name)
        if executor is not None:
            executor.validate_params(params)

    async def start(self) -> None:
        """Start every executor (those that start on first use are only registered for
        closing); if one fails, close those already started and re-raise."""
        for executor in self._executors.values():
            try:
                if not executor.starts_on_first_use:
                    await executor.start()
            except BaseException:
                await self.close()
                raise
            self._started.append(executor)

    async def close(self) -> None:
        """Close every started executor (in reverse order), even if some fail."""
        started, self._started = self._started, []
        for executor in reversed(started):
            try:
                await executor.close()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception(
                    "closing executor failed",
                    extra={"action": "executor_close_failed", "executor": executor.name},
                )


def build_registry(
    *,
    agent_paths: list[Path],
    allowlist: list[str],
    local_workers: int,
    default_executor: str,
    serverless_enabled: bool,
    extra: Sequence[Executor] = (),
    follow_symlinks: bool = False,
    agent_env: Mapping[str, str] | None = None,
) -> ExecutorRegistry:
    """The registry of a server: ``echo``, ``local`` and the ``extra`` executors the node built
    (those that need the database, such as ``team``)."""
    executors: dict[str, Executor] = {
        EchoExecutor.name: EchoExecutor(),
        LocalExecutor.name: LocalExecutor(
            agent_paths=agent_paths,
            allowlist=allowlist,
            workers=local_workers,
            follow_symlinks=follow_symlinks,
            env=agent_env,
        ),
    }
    executors.update((executor.name, executor) for executor in extra)
    return ExecutorRegistry(
        executors, default_executor=default_executor, serverless_enabled=serverless_enabled
    )
