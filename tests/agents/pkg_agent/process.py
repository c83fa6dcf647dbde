"""``agent_id="pkg_agent"``, ``entrypoint_tag="process"``."""

from __future__ import annotations


def process(input: str, user: str = "dev") -> str:
    return f"Package processed: {input} for {user}"
