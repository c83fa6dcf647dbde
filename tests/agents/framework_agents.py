"""Objects shaped like popular agent frameworks (``agent_id="framework_agents"``).

Params are passed as keyword arguments, exactly as real frameworks name their first parameter:
LangGraph ``graph.invoke(input=...)``, CrewAI ``crew.kickoff(inputs=...)``, Agno
``agent.run(input=...)``.
"""

from __future__ import annotations

import asyncio
from typing import Any


class Graph:
    """LangGraph-like: both ``ainvoke`` and ``invoke``; Pulse prefers ``ainvoke``."""

    def invoke(self, input: dict[str, Any], config: Any = None) -> dict[str, Any]:
        return {**input, "via": "invoke"}

    async def ainvoke(self, input: dict[str, Any], config: Any = None) -> dict[str, Any]:
        await asyncio.sleep(0)
        return {**input, "via": "ainvoke"}


class SyncGraph:
    """Only ``invoke``."""

    def invoke(self, input: dict[str, Any], config: Any = None) -> dict[str, Any]:
        return {**input, "via": "invoke"}


class Crew:
    """CrewAI-like: ``kickoff(inputs=...)``."""

    def kickoff(self, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"crew": True, "inputs": inputs or {}}


class Agent:
    """Agno-like: ``arun`` and ``run``; Pulse prefers ``arun``."""

    async def arun(self, input: str) -> str:
        return f"arun: {input}"

    def run(self, input: str) -> str:
        return f"run: {input}"


class SyncAgent:
    """Agno-like with ``run`` only."""

    def run(self, input: str) -> str:
        return f"run: {input}"


class CallableObject:
    """A plain callable object (no framework method)."""

    def __call__(self, x: int) -> int:
        return x * 2


graph = Graph()
sync_graph = SyncGraph()
crew = Crew()
agent = Agent()
sync_agent = SyncAgent()
doubler = CallableObject()


class SessionAgent:
    """Agno-like ``arun(input, *, user_id, session_id, **kwargs)``: echoes what it was given."""

    async def arun(
        self,
        input: str,
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        return {"input": input, "user_id": user_id, "session_id": session_id, **kwargs}


session_agent = SessionAgent()
