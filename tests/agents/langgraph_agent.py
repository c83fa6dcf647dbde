"""A real LangGraph graph (``agent_id="langgraph_agent"``), scheduled with the guide's params:
``{"input": {"message": ...}, "config": {"configurable": {"thread_id": ...}}}``.

The checkpointer keeps each thread's state, so ``turns`` counts the runs of one ``thread_id``
that the same worker process served.
"""

from __future__ import annotations

from typing import TypedDict

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph


class State(TypedDict, total=False):
    message: str
    reply: str
    turns: int


def answer(state: State) -> State:
    return {"reply": f"echo: {state['message']}", "turns": state.get("turns", 0) + 1}


_builder = StateGraph(State)
_builder.add_node("answer", answer)
_builder.add_edge(START, "answer")
_builder.add_edge("answer", END)

graph = _builder.compile(checkpointer=InMemorySaver())
invoke = graph.invoke  # the guide's entrypoint_tag="invoke"
