"""Create-time checks of ``team`` tasks: the team exists, the prompt is a bounded string."""

from __future__ import annotations

from typing import Any

from runagent_pulse.domain.errors import TeamNotFound, ValidationError
from runagent_pulse.store import teams as team_store
from runagent_pulse.store.database import Database
from runagent_pulse.store.sql import Row

MAX_PROMPT_CHARS = 50_000
TEAM = "team"


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
