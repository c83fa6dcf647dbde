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
- Anything else (functions, callables): ``fn(**params)``, after checking that the params bind
  to its signature (a mismatch is :class:`InvalidParams`, which is not retried).

Nothing here imports a framework: objects are recognised by their methods. This module runs
inside worker processes.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

__all__ = ["Call", "InvalidParams", "adapt"]

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
    return _plain(method)


class InvalidParams(Exception):
    """The task's params do not fit the entrypoint's signature: retrying cannot help."""


def _plain(method: Callable[..., Any]) -> Call:
    try:
        signature: inspect.Signature | None = inspect.signature(method)
    except (TypeError, ValueError):  # some builtins and C callables have none
        signature = None
    name = getattr(method, "__qualname__", type(method).__name__)

    def call(params: dict[str, Any], run_id: str) -> Any:
        if signature is not None:
            try:
                signature.bind(**params)
            except TypeError as exc:
                problems = _mismatch(signature, params) or str(exc)
                raise InvalidParams(f"params do not fit {name}{signature}: {problems}") from None
        return method(**params)

    return call


def _mismatch(signature: inspect.Signature, params: dict[str, Any]) -> str:
    """Every missing and every unexpected argument (``bind`` names only the first)."""
    accepted = signature.parameters
    by_name = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    missing = [
        n
        for n, p in accepted.items()
        if p.kind in by_name and p.default is p.empty and n not in params
    ]
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values())
    unexpected = (
        []
        if takes_any
        else [n for n in params if n not in accepted or accepted[n].kind not in by_name]
    )
    parts = []
    if missing:
        parts.append(f"missing {', '.join(map(repr, missing))}")
    if unexpected:
        parts.append(f"unexpected {', '.join(map(repr, unexpected))}")
    return "; ".join(parts)


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
