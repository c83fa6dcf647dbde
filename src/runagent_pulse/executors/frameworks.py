"""How the ``local`` executor hands a task's params to a framework object's method.

The worker picks the method (``ainvoke`` / ``invoke``, ``kickoff``, ``arun`` / ``run``, see
:mod:`.local_worker`); :func:`adapt` turns the params into that method's arguments, so the
parameter shapes of the user guide work as written:

- **LangGraph** (``ainvoke`` / ``invoke``): ``{"input": state, "config": {"configurable":
  {"thread_id": ...}}}`` is passed as keyword arguments (``graph.ainvoke(input=..., config=...)``);
  params without ``"input"`` are the input state themselves (``graph.ainvoke(params)``).
- **CrewAI** (``kickoff``): the params are the crew's inputs, ``crew.kickoff(inputs=params)``
  (so ``{"task": ..., "context": {}}`` fills ``{task}`` in the crew's task descriptions);
  ``{"inputs": {...}}`` alone is passed as it is.
- **Agno** (``arun`` / ``run``): ``{"prompt": ..., "user": ..., "new_session": True, **rest}``
  becomes ``agent.arun(prompt, user_id=user, session_id="pulse-<run id>", **rest)`` (a fresh
  session per run when ``new_session`` is true, else the agent's own); params without
  ``"prompt"`` are passed as keyword arguments.
- Anything else (functions, callables): ``fn(**params)``.

Nothing here imports a framework: objects are recognised by their methods. This module runs
inside worker processes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["Call", "adapt"]

Call = Callable[[dict[str, Any], str], Any]
"""``(params, run_id) -> result or awaitable``."""


def adapt(method_name: str | None, method: Callable[..., Any]) -> Call:
    """The call of ``method`` (found under ``method_name``, or a plain callable for None)."""
    if method_name in ("ainvoke", "invoke"):
        return lambda params, run_id: method(**_langgraph(params))
    if method_name == "kickoff":
        return lambda params, run_id: method(**_crewai(params))
    if method_name in ("arun", "run"):
        return lambda params, run_id: _agno(method, params, run_id)
    return lambda params, run_id: method(**params)


def _langgraph(params: dict[str, Any]) -> dict[str, Any]:
    return params if "input" in params else {"input": params}


def _crewai(params: dict[str, Any]) -> dict[str, Any]:
    return params if set(params) == {"inputs"} else {"inputs": params}


def _agno(method: Callable[..., Any], params: dict[str, Any], run_id: str) -> Any:
    if "prompt" not in params:
        return method(**params)
    rest = dict(params)
    prompt = rest.pop("prompt")
    user = rest.pop("user", None)
    if user is not None:
        rest.setdefault("user_id", user)
    if rest.pop("new_session", False):
        rest.setdefault("session_id", f"pulse-{run_id}")
    return method(prompt, **rest)
