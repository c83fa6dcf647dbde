"""Create-time checks of where a ``serverless`` task's agent is reached."""

from __future__ import annotations

from runagent_pulse.domain.errors import ValidationError
from runagent_pulse.executors.registry import ExecutorRegistry
from runagent_pulse.executors.serverless import ServerlessExecutor

SERVERLESS = ServerlessExecutor.name


def check_agent_endpoint(
    registry: ExecutorRegistry, executor: str, agent_host: str | None, agent_port: int | None
) -> None:
    """Raises: ValidationError (or its ``InvalidTarget`` / ``UnsafeURL``) when ``agent_host`` is
    given to another executor, is a forbidden address, or a cloud agent has no API key."""
    if executor != SERVERLESS:
        if agent_host is not None:
            raise ValidationError(
                f"agent_host and agent_port are for executor_type='serverless' (agents served "
                f"by `runagent serve`), not {executor!r}",
                details={"field": "agent_host", "executor_type": executor},
            )
        return
    serverless = registry.get(SERVERLESS)
    if isinstance(serverless, ServerlessExecutor):
        serverless.check_endpoint(agent_host, agent_port)
