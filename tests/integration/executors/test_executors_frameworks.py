"""The guide's framework parameter shapes through the ``local`` executor's worker processes:
a real LangGraph graph, a real Agno agent (offline model), and a CrewAI look-alike (CrewAI
itself is too large to install beside Pulse; see docs/executors.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from runagent_pulse.executors import ExecutionContext, LocalExecutor
from tests.support.executors import execution_context

pytestmark = pytest.mark.slow

AGENTS = Path(__file__).resolve().parents[2] / "agents"


def make_ctx(agent_id: str, tag: str, params: dict[str, Any], run_id: str) -> ExecutionContext:
    return execution_context(agent_id, tag, params, run_id=run_id)


@pytest.fixture
async def local() -> AsyncIterator[LocalExecutor]:
    """One worker, so that runs of one LangGraph thread meet the same checkpointer."""
    executor = LocalExecutor(agent_paths=[AGENTS], allowlist=[], workers=1)
    await executor.start()
    try:
        yield executor
    finally:
        await executor.close()


def langgraph_params(message: str, thread_id: str) -> dict[str, Any]:
    return {"input": {"message": message}, "config": {"configurable": {"thread_id": thread_id}}}


async def test_langgraph_graph_with_the_guides_params(local: LocalExecutor) -> None:
    first = await local.execute(
        make_ctx("langgraph_agent", "graph", langgraph_params("Hello", "thread-123"), "run_1")
    )
    assert first == {"message": "Hello", "reply": "echo: Hello", "turns": 1}
    # The guide's entrypoint_tag="invoke"; the same thread_id continues the thread's state.
    again = await local.execute(
        make_ctx("langgraph_agent", "invoke", langgraph_params("Again", "thread-123"), "run_2")
    )
    assert again == {"message": "Again", "reply": "echo: Again", "turns": 2}
    other = await local.execute(
        make_ctx("langgraph_agent", "graph", langgraph_params("Hi", "thread-456"), "run_3")
    )
    assert other["turns"] == 1


async def test_agno_agent_with_the_guides_params(local: LocalExecutor) -> None:
    params = {"prompt": "Tell me a joke", "user": "developer", "new_session": True}
    result = await local.execute(make_ctx("agno_agent", "agno_print_response", params, "run_a"))
    assert result["content"] == "echo: Tell me a joke"
    assert result["user_id"] == "developer"
    assert result["session_id"] == "pulse-run_a"
    assert result["status"] == "COMPLETED"


async def test_crewai_kickoff_gets_the_guides_params_as_inputs(local: LocalExecutor) -> None:
    params = {"task": "Research and write a report", "context": {}}
    result = await local.execute(make_ctx("framework_agents", "crew", params, "run_c"))
    assert result == {"crew": True, "inputs": params}


async def test_agno_shape_on_a_lookalike_passes_user_and_session(local: LocalExecutor) -> None:
    params = {"prompt": "go", "user": "ann", "new_session": True, "stream": False}
    result = await local.execute(make_ctx("framework_agents", "session_agent", params, "run_s"))
    assert result == {
        "input": "go",
        "user_id": "ann",
        "session_id": "pulse-run_s",
        "stream": False,
    }
