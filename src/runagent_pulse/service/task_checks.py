"""Create-time checks that depend on the executor: a ``team`` task's team exists and its prompt
is a bounded string; a ``serverless`` task's agent endpoint is allowed."""

from __future__ import annotations

from typing import Any

from runagent_pulse.domain.errors import TeamNotFound, ValidationError
from runagent_pulse.executors.registry import ExecutorRegistry
from runagent_pulse.executors.serverless import ServerlessExecutor
from runagent_pulse.store import teams as team_store
from runagent_pulse.store.database import Database
from runagent_pulse.store.sql import Row

MAX_PROMPT_CHARS = 50_000
TEAM = "team"
SERVERLESS = ServerlessExecutor.name


def check_prompt(params: dict[str, Any] | None) -> None:
    """Raises: ValidationError: ``params.prompt`` is missing, not text, or too long."""
    prompt = (params or {}).get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValidationError(
            'a team task needs params {"prompt": "<text>"}: the prompt sent to the leader',
            details={"field": "params.prompt"},
        )
    if len(prompt) > MAX_PROMPT_CHARS:
        raise ValidationError(
            f"params.prompt has {len(prompt)} characters; the limit is {MAX_PROMPT_CHARS}",
            details={"field": "params.prompt", "limit": MAX_PROMPT_CHARS},
        )


async def check_team_tasks(db: Database, rows: list[Row]) -> None:
    """Check every ``team`` row of a create request (others pass untouched).

    Raises:
        ValidationError: a prompt is wrong, or ``agent_id`` names no team.
    """
    team_rows = [(index, row) for index, row in enumerate(rows) if row["executor_type"] == TEAM]
    if not team_rows:
        return
    async with db.read() as conn:
        for index, row in team_rows:
            where = f"tasks[{index}]: " if len(rows) > 1 else ""
            try:
                check_prompt(row["params"])
                await team_store.find_team(conn, row["agent_id"])
            except TeamNotFound:
                raise ValidationError(
                    f"{where}agent_id {row['agent_id']!r} names no team; create it first "
                    "(POST /v1/teams, `pulse teams create`) or use its exact name or id",
                    details={"field": "agent_id", "index": index},
                ) from None
            except ValidationError as exc:
                exc.message = where + exc.message
                raise


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
