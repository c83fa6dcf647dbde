"""The ``Runtime`` interface: where a team's agents run for one deployment.

A runtime starts the agents of a deployment, tells when they are ready, carries one message to
one agent and brings back its answer, and stops them all. The ``process`` runtime
(:mod:`.process_runtime`) is the only one shipped; ``docs/teams.md`` says how a Docker or
Kubernetes runtime would plug in. Runtimes know nothing of the database: the executor records
what they report (``on_spawned``) and routes what agents ask each other (``on_ask``).
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal

Role = Literal["leader", "member"]
MessageKind = Literal["prompt", "message"]


@dataclass(frozen=True, slots=True)
class AgentSpec:
    """One agent of a team: a module's entrypoint (``module`` + ``entrypoint``) or a ``url``."""

    name: str
    role: Role
    module: str | None = None
    entrypoint: str | None = None
    url: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AgentSpec:
        return cls(
            name=data["name"],
            role=data["role"],
            module=data.get("module"),
            entrypoint=data.get("entrypoint"),
            url=data.get("url"),
        )


@dataclass(slots=True)
class AgentInfo:
    """What a deployment records of one running agent (enough to find and stop it later)."""

    name: str
    role: Role
    address: str
    """``pid:<pid>`` for a process, the URL for an HTTP agent."""
    pid: int | None = None
    started: float | None = None
    """The process's start time (``psutil`` ``create_time``): with ``pid``, its identity."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class DeployRequest:
    deployment_id: str
    name: str
    """``<team>-run-<run id>``: unique per run, so parallel runs of a task never collide."""
    team: str
    run_id: str
    agents: list[AgentSpec]


@dataclass(slots=True)
class RuntimeDeployment:
    """A runtime's handle on one deployment (each runtime keeps its own details behind it)."""

    request: DeployRequest
    agents: dict[str, AgentInfo] = field(default_factory=dict)


SpawnHook = Callable[[AgentInfo], Awaitable[None]]
"""Called as soon as an agent exists (before it is ready): the executor persists its identity."""
AskHandler = Callable[[str, str, Any], Awaitable[Any]]
"""``(sender, recipient, content) -> answer``: an agent's ``team.ask``; raising answers an
error."""


class Runtime(abc.ABC):
    """Where the agents of a deployment run. Every method may be cancelled; :meth:`stop` is then
    still called by the executor."""

    name: ClassVar[str]

    @abc.abstractmethod
    async def deploy(
        self, request: DeployRequest, *, on_spawned: SpawnHook, on_ask: AskHandler
    ) -> RuntimeDeployment:
        """Start every agent of ``request`` (without waiting for readiness).

        Raises:
            ExecutionError: an agent could not be started (``AgentStartFailed``); whatever did
                start is returned through ``on_spawned`` first, so :meth:`stop` can end it.
        """

    @abc.abstractmethod
    async def wait_ready(self, deployment: RuntimeDeployment, bound: float) -> None:
        """Return once every agent reports ready.

        Raises:
            ExecutionError: an agent failed to load (``AgentNotFound``, ``EntrypointNotFound``...)
                or exited, or ``bound`` seconds passed (``ReadinessTimeout``).
        """

    @abc.abstractmethod
    async def send(
        self,
        deployment: RuntimeDeployment,
        agent: str,
        kind: MessageKind,
        sender: str,
        content: Any,
    ) -> Any:
        """Deliver ``content`` to ``agent`` and return its answer (JSON).

        Raises:
            ExecutionError: the agent raised (its exception's class name is the error type),
                exited, or could not be reached.
        """

    @abc.abstractmethod
    async def stop(self, deployment: RuntimeDeployment, grace: float) -> None:
        """End every agent: ask them to stop, kill what is left after ``grace`` seconds, and
        verify nothing is left.

        Raises:
            TeardownError: an agent could not be verified gone.
        """

    @abc.abstractmethod
    def list(self) -> list[RuntimeDeployment]:
        """The deployments this runtime has started and not yet stopped."""

    async def close(self) -> None:  # noqa: B027
        """Release what the runtime holds (connections); called once at shutdown."""


class TeardownError(Exception):
    """A teardown could not verify that every agent is gone."""

    def __init__(self, deployment: str, problems: list[str]) -> None:
        super().__init__(f"teardown of {deployment} failed: {'; '.join(problems)}")
        self.problems = problems
