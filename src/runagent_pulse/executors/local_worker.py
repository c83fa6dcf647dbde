"""What runs inside a ``local`` executor worker process.

A worker is a fresh interpreter (``python -P -c ...``, never a fork of the server) started in its
own session, so killing its process group also kills whatever the agent spawned. It speaks a tiny
protocol with the server over its original stdin/stdout pipes; right at start-up it moves those
pipes to private descriptors and points fd 0 at ``/dev/null`` and fd 1 at stderr, so an agent's
``print`` ends up in the server's log instead of corrupting the protocol.

Every message is a 4-byte big-endian length followed by an ``orjson`` document. JSON (not pickle)
both ways means the server never unpickles anything an agent could influence.

- worker -> server, once: ``[2, pid]`` (ready)
- server -> worker, per job: ``[agent_id, entrypoint_tag, params, run_id, task_id, attempt]``
- worker -> server, per job: ``[0, result]`` or ``[1, error_type, message, retryable]``

Before importing anything the worker re-checks the target (defence in depth) and verifies that
the imported module really is the vetted file. Modules stay imported (cached) for the worker's
life. The run's ids are exposed to the agent as ``PULSE_RUN_ID``, ``PULSE_TASK_ID`` and
``PULSE_ATTEMPT`` environment variables (``PULSE_RUN_ID`` is an idempotency key).
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import inspect
import os
import signal
import struct
import sys
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from runagent_pulse.common.agent_targets import check_entrypoint_tag, check_module
from runagent_pulse.domain.errors import InvalidTarget, ResultNotSerializable
from runagent_pulse.executors.frameworks import Call, InvalidParams, adapt
from runagent_pulse.executors.results import to_json_value

__all__ = [
    "AgentLoadError",
    "die_with_parent",
    "load_entrypoint",
    "main",
    "take_pipes",
]

HEADER = struct.Struct("!I")
MSG_OK, MSG_ERROR, MSG_READY = 0, 1, 2
MAX_MESSAGE_CHARS = 2000
_PROTOCOL_METHODS = ("ainvoke", "invoke", "kickoff", "arun", "run")


class AgentLoadError(Exception):
    """The agent's module or entrypoint cannot be loaded (or, in a worker, the call failed)."""

    def __init__(self, error_type: str, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.error_type, self.message, self.retryable = error_type, message, retryable


def _has_submodule(module: types.ModuleType, name: str) -> bool:
    if getattr(module, "__path__", None) is None:
        return False
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _check_defined_in_agent(target: Any, agent_id: str, where: str) -> None:
    """Functions, methods, builtins and classes must come from the agent's own package: a name
    the module imported (``from os import system``) is not an entrypoint. Other objects (a
    LangGraph graph, a CrewAI crew, an Agno agent) are instances of framework classes and are
    taken as the module holds them, and so are methods bound to them."""
    if not (inspect.isroutine(target) or inspect.isclass(target)):
        return
    owner = getattr(target, "__self__", None)
    if owner is not None and not isinstance(owner, types.ModuleType):
        return  # a method bound to an object the module holds (``invoke = graph.invoke``)
    module = getattr(target, "__module__", None) or "a built-in module"
    top = agent_id.split(".")[0]
    if module != top and not module.startswith(top + "."):
        raise AgentLoadError(
            "EntrypointNotFound",
            f"{where} is {getattr(target, '__qualname__', target)!s} from {module}, imported "
            "into the agent, not defined in it; an entrypoint must be defined in the agent's "
            "own module (or package)",
            retryable=False,
        )


def _callable_of(target: Any, where: str) -> tuple[str | None, Any]:
    """The function to call for ``target``: itself, or its framework method (``ainvoke``...),
    with that method's name (None for the target itself)."""
    if inspect.isfunction(target) or inspect.ismethod(target) or isinstance(target, type):
        return None, target
    for method_name in _PROTOCOL_METHODS:
        method = getattr(target, method_name, None)
        if callable(method):
            return method_name, method
    if callable(target):
        return None, target
    raise AgentLoadError(
        "EntrypointNotFound",
        f"{where} is of type {type(target).__name__}: neither callable nor has any of "
        f"{', '.join(_PROTOCOL_METHODS)}",
        retryable=False,
    )


class _Worker:
    def __init__(
        self, agent_paths: list[Path], allowlist: list[str], *, follow_symlinks: bool = False
    ) -> None:
        self.agent_paths = agent_paths
        self.allowlist = allowlist
        self.follow_symlinks = follow_symlinks
        self.entrypoints: dict[tuple[str, str], Call] = {}
        self.runner: asyncio.Runner | None = None

    def handle(self, job: list[Any]) -> list[Any]:
        agent_id, tag, params, run_id, task_id, attempt = job
        os.environ["PULSE_RUN_ID"] = run_id
        os.environ["PULSE_TASK_ID"] = task_id
        os.environ["PULSE_ATTEMPT"] = str(attempt)
        try:
            target = self.entrypoints.get((agent_id, tag))
            if target is None:
                target = self.entrypoints[agent_id, tag] = self.resolve(agent_id, tag)
            return [MSG_OK, to_json_value(self.call(target, params, run_id))]
        except AgentLoadError as exc:
            return [MSG_ERROR, exc.error_type, exc.message[:MAX_MESSAGE_CHARS], exc.retryable]
        except InvalidParams as exc:
            return [MSG_ERROR, "InvalidParams", str(exc)[:MAX_MESSAGE_CHARS], False]
        except ResultNotSerializable as exc:
            detail = str(exc.details.get("detail", exc.message))
            return [MSG_ERROR, exc.error_type, detail[:MAX_MESSAGE_CHARS], False]
        except (Exception, SystemExit, asyncio.CancelledError) as exc:
            return [MSG_ERROR, type(exc).__name__, str(exc)[:MAX_MESSAGE_CHARS], True]

    def import_module(self, name: str) -> types.ModuleType:
        try:
            vetted = check_module(
                name, self.agent_paths, self.allowlist, follow_symlinks=self.follow_symlinks
            )
        except InvalidTarget as exc:
            raise AgentLoadError("AgentNotFound", exc.message, retryable=False) from None
        try:
            module = importlib.import_module(name)
        except Exception as exc:
            raise AgentLoadError(
                "AgentNotFound",
                f"importing {name!r} failed: {type(exc).__name__}: {exc}; check that "
                f"`python -c 'import {name}'` works with the agent folder on sys.path",
                retryable=False,
            ) from None
        file = getattr(module, "__file__", None)
        if vetted is not None and (file is None or Path(file).resolve() != vetted.resolve()):
            raise AgentLoadError(
                "AgentNotFound",
                f"module name {name!r} is already taken by {file or 'a built-in module'}; "
                f"rename {vetted}",
                retryable=False,
            )
        return module

    def resolve(self, agent_id: str, tag: str) -> Call:
        """How to call the entrypoint, adapted to the guide's parameter shapes."""
        return adapt(*self.locate(agent_id, tag))

    def locate(self, agent_id: str, tag: str) -> tuple[str | None, Any]:
        try:
            check_entrypoint_tag(tag)
        except InvalidTarget as exc:
            raise AgentLoadError("EntrypointNotFound", exc.message, retryable=False) from None
        module = self.import_module(agent_id)
        target = getattr(module, tag, None)
        submodule = f"{agent_id}.{tag}"
        if target is None or (
            isinstance(target, types.ModuleType) and target.__name__ == submodule
        ):
            # The package form: my_agent/process.py defining process().
            if target is None and not _has_submodule(module, submodule):
                raise AgentLoadError(
                    "EntrypointNotFound",
                    f"module {agent_id!r} ({getattr(module, '__file__', '?')}) has no {tag!r}; "
                    f"define `def {tag}(...)` in it (or in {agent_id}/{tag}.py)",
                    retryable=False,
                )
            target = getattr(self.import_module(submodule), tag, None)
            if target is None:
                raise AgentLoadError(
                    "EntrypointNotFound",
                    f"module {submodule!r} has no {tag!r}; define `def {tag}(...)` in it",
                    retryable=False,
                )
        if isinstance(target, types.ModuleType):
            raise AgentLoadError(
                "EntrypointNotFound",
                f"{agent_id}.{tag} is the module {target.__name__!r}, not an entrypoint",
                retryable=False,
            )
        _check_defined_in_agent(target, agent_id, f"{agent_id}.{tag}")
        return _callable_of(target, f"{agent_id}.{tag}")

    def call(self, target: Call, params: dict[str, Any], run_id: str) -> Any:
        result = target(params, run_id)
        if inspect.isawaitable(result):
            if self.runner is None:
                self.runner = asyncio.Runner()
            result = self.runner.run(_await(result))
        return result


def load_entrypoint(
    agent_id: str,
    entrypoint_tag: str,
    agent_paths: Sequence[Path],
    allowlist: Sequence[str],
    *,
    follow_symlinks: bool = False,
) -> Any:
    """Import ``agent_id`` (vetted as the ``local`` executor does) and return the callable for
    ``entrypoint_tag``.

    Raises:
        AgentLoadError: ``AgentNotFound`` or ``EntrypointNotFound``, with a message that says why.
    """
    worker = _Worker(list(agent_paths), list(allowlist), follow_symlinks=follow_symlinks)
    return worker.locate(agent_id, entrypoint_tag)[1]


async def _await(awaitable: Any) -> Any:
    return await awaitable


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    data = stream.read(size)
    return data if len(data) == size else None


def _send(stream: BinaryIO, message: list[Any]) -> None:
    try:
        body = orjson.dumps(message)
    except TypeError as exc:  # e.g. an int beyond 64 bits
        detail = str(exc)[:MAX_MESSAGE_CHARS]
        body = orjson.dumps([MSG_ERROR, "ResultNotSerializable", detail, False])
    stream.write(HEADER.pack(len(body)) + body)
    stream.flush()


def die_with_parent(parent_pid: int) -> None:
    """On Linux, ask for SIGKILL when the server dies, so a crashed server leaves no workers."""
    if sys.platform != "linux":
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # the server died before prctl took effect
        os._exit(0)


def take_pipes() -> tuple[BinaryIO, BinaryIO]:
    """Move the protocol pipes (stdin, stdout) to private descriptors and return them; fd 0 then
    reads ``/dev/null`` and fd 1 writes to stderr, so an agent's ``print`` cannot corrupt the
    protocol."""
    inbox = os.fdopen(os.dup(0), "rb")
    outbox = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    return inbox, outbox


def main(
    agent_paths: list[str], allowlist: list[str], parent_pid: int, follow_symlinks: bool = False
) -> None:
    """Serve jobs until the server closes our stdin."""
    die_with_parent(parent_pid)
    inbox, outbox = take_pipes()
    paths = [Path(p) for p in agent_paths]
    sys.path[:0] = [str(p) for p in paths]
    worker = _Worker(paths, list(allowlist), follow_symlinks=follow_symlinks)
    _send(outbox, [MSG_READY, os.getpid()])
    try:
        while True:
            header = _read_exactly(inbox, HEADER.size)
            if header is None:
                return
            body = _read_exactly(inbox, HEADER.unpack(header)[0])
            if body is None:
                return
            _send(outbox, worker.handle(orjson.loads(body)))
    finally:
        if worker.runner is not None:
            worker.runner.close()
