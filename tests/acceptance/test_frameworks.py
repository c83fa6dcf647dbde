"""The guide's framework examples through a real ``pulse serve``: a real LangGraph graph and a
real Agno agent scheduled ``when="now"`` with the guide's params."""

from __future__ import annotations

import pytest

from runagent_pulse import PulseClient

pytestmark = pytest.mark.slow


def test_langgraph_graph_now_returns_its_final_state(pulse: PulseClient) -> None:
    task = pulse.schedule_agent(
        agent_id="langgraph_agent",
        entrypoint_tag="invoke",
        when="now",
        params={
            "input": {"message": "Hello"},
            "config": {"configurable": {"thread_id": "thread-123"}},
        },
        executor_type="local",
    )
    result = task.wait(timeout=60)
    assert result["status"] == "completed", result
    assert result["result"] == {"message": "Hello", "reply": "echo: Hello", "turns": 1}


def test_agno_agent_now_answers_with_the_guides_params(pulse: PulseClient) -> None:
    task = pulse.schedule_agent(
        agent_id="agno_agent",
        entrypoint_tag="agno_print_response",
        when="now",
        params={"prompt": "Tell me a joke", "user": "developer", "new_session": True},
        executor_type="local",
    )
    result = task.wait(timeout=60)
    assert result["status"] == "completed", result
    assert result["result"]["content"] == "echo: Tell me a joke"
    assert result["result"]["session_id"] == f"pulse-{result['execution_id']}"
