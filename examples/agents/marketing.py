"""The marketing team of the README and docs/teams.md: the leader (``boss``) asks its
``researcher`` for facts and its ``writer`` for the report, and answers with the report.

    pulse.create_team("marketing", [
        {"name": "boss", "role": "leader", "module": "marketing", "entrypoint": "lead"},
        {"name": "researcher", "role": "member", "module": "marketing", "entrypoint": "research"},
        {"name": "writer", "role": "member", "module": "marketing", "entrypoint": "write"},
    ])

Each entrypoint is called as ``entrypoint(text, team)``; a real team would call an LLM here.
"""

from __future__ import annotations

from typing import Any


async def lead(prompt: str, team: Any) -> dict[str, str]:
    facts = await team.ask("researcher", f"facts for: {prompt}")
    draft = await team.ask("writer", f"write a report from {facts}")
    return {"report": draft}


def research(message: str, team: Any) -> str:
    topic = message.removeprefix("facts for: ")
    return f"three facts about {topic!r}: it matters, it is due Monday, the team agrees"


def write(message: str, team: Any) -> str:
    return f"Weekly report ({team.me}): {message.removeprefix('write a report from ')}"
