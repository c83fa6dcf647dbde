"""What runs inside each agent process of a team deployment.

A fresh interpreter (``python -P -c ...``) in its own session loads the agent's entrypoint from
``LOCAL_AGENT_PATH`` with the ``local`` executor's vetting (:func:`load_entrypoint`), says
``ready`` and then serves calls over its original stdin/stdout pipes (:mod:`.wire`); fd 0 is then
``/dev/null`` and fd 1 is stderr, so an agent's ``print`` cannot corrupt the protocol.

Pipes, not a port: nothing else on the machine can talk to an agent, no port is allocated, and
end-of-file on stdin tells the agent that Pulse went away. The process exits then, and on Linux
``PR_SET_PDEATHSIG`` kills it as soon as the Pulse process dies (a ``kill -9`` included).

An entrypoint is called as ``entrypoint(text, team)``: the leader gets the prompt, a member the
message another agent sent it. Async functions run on the agent's event loop, plain functions in
a thread. Whatever it returns (coerced to JSON) is the answer; whatever it raises is an error
answer. ``team`` is a :class:`Team`.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import os
import sys
from pathlib import Path
from typing import Any, BinaryIO

from runagent_pulse.executors.local_worker import (
    MAX_MESSAGE_CHARS,
    AgentLoadError,
    die_with_parent,
    load_entrypoint,
    take_pipes,
)
from runagent_pulse.executors.results import to_json_value
from runagent_pulse.executors.team.wire import encode, read_frame

__all__ = ["Team", "TeamAskError", "main"]


class TeamAskError(Exception):
    """``team.ask`` failed: the agent asked raised, is unknown, or could not be reached."""

    def __init__(self, agent: str, error_type: str, message: str) -> None:
        super().__init__(f"{agent} failed: {error_type}: {message}")
        self.agent = agent
        self.error_type = error_type
        self.message = message


class Team:
    """The handle an agent's entrypoint gets: who is on the team, and a way to ask them."""

    def __init__(
        self, *, team: str, me: str, agents: list[str], run_id: str, outbox: BinaryIO
    ) -> None:
        self.name = team
        """The team's name."""
        self.me = me
        """This agent's name."""
        self.agents = agents
        """Every agent's name (this one included)."""
        self.run_id = run_id
        """The run this deployment serves (an idempotency key)."""
        self._outbox = outbox
        self._ids = itertools.count(1)
        self._waiting: dict[int, tuple[asyncio.Future[Any], str]] = {}

    @property
    def members(self) -> list[str]:
        """The other agents' names."""
        return [name for name in self.agents if name != self.me]

    async def ask(self, agent: str, message: str) -> Any:
        """Send ``message`` to ``agent`` and return its answer (recorded in the conversation).

        Raises:
            TeamAskError: ``agent`` raised, is not on the team, or could not be reached.
        """
        request = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[request] = (future, agent)
        try:
            self.send(["ask", request, agent, message])
            return await future
        finally:
            self._waiting.pop(request, None)

    def send(self, message: list[Any]) -> None:
        """Write one protocol message to Pulse (from the event loop's thread only)."""
        try:
            frame = encode(message)
        except TypeError as exc:  # e.g. an int beyond 64 bits
            raise TypeError(f"cannot send to Pulse: {exc}") from None
        self._outbox.write(frame)
        self._outbox.flush()

    def answered(self, request: int, ok: bool, payload: Any) -> None:
        """Pulse answered the ask numbered ``request``."""
        future, agent = self._waiting.get(request, (None, ""))
        if future is None or future.done():
            return
        if ok:
            future.set_result(payload)
        else:
            error_type, message = payload
            future.set_exception(TeamAskError(agent, str(error_type), str(message)))


async def _invoke(entrypoint: Any, text: Any, team: Team) -> Any:
    if inspect.iscoroutinefunction(entrypoint):
        result = await entrypoint(text, team)
    else:
        result = await asyncio.to_thread(entrypoint, text, team)
    if inspect.isawaitable(result):
        result = await result
    return to_json_value(result)


async def _call(entrypoint: Any, team: Team, request: int, text: Any) -> None:
    try:
        result = await _invoke(entrypoint, text, team)
        team.send(["reply", request, True, result])
    except asyncio.CancelledError:
        raise
    except TeamAskError as exc:
        team.send(["reply", request, False, ["TeamAskError", str(exc)[:MAX_MESSAGE_CHARS]]])
    except BaseException as exc:  # the agent's error is the answer, whatever it is
        team.send(["reply", request, False, [type(exc).__name__, str(exc)[:MAX_MESSAGE_CHARS]]])


async def _serve(config: dict[str, Any], inbox: BinaryIO, outbox: BinaryIO) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), inbox)
    team = Team(
        team=config["team"],
        me=config["name"],
        agents=config["agents"],
        run_id=config["run_id"],
        outbox=outbox,
    )
    try:
        entrypoint = load_entrypoint(
            config["module"],
            config["entrypoint"],
            [Path(p) for p in config["agent_paths"]],
            config["allowlist"],
            follow_symlinks=config.get("follow_symlinks", False),
        )
    except AgentLoadError as exc:
        team.send(["fatal", exc.error_type, exc.message[:MAX_MESSAGE_CHARS]])
        return
    except BaseException as exc:  # a module that raises anything while importing
        team.send(["fatal", type(exc).__name__, str(exc)[:MAX_MESSAGE_CHARS]])
        return
    team.send(["ready"])
    calls: set[asyncio.Task[None]] = set()
    while (message := await read_frame(reader)) is not None:
        if message[0] == "call":
            _, request, _kind, _sender, content = message
            task = asyncio.create_task(_call(entrypoint, team, request, content))
            calls.add(task)
            task.add_done_callback(calls.discard)
        elif message[0] == "answer":
            _, request, ok, payload = message
            team.answered(request, ok, payload)


def main(config: dict[str, Any]) -> None:
    """Load the agent and serve Pulse's calls until Pulse closes our stdin (or dies)."""
    die_with_parent(config["parent_pid"])
    inbox, outbox = take_pipes()
    sys.path[:0] = list(config["agent_paths"])
    try:
        asyncio.run(_serve(config, inbox, outbox))
    finally:
        # Pulse closed the pipe (or the agent could not load): leave now, whatever threads a
        # sync entrypoint may still be running.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
