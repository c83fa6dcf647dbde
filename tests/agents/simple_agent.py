"""Plain-function test agents (``agent_id="simple_agent"``); see README.md for the list."""

from __future__ import annotations

import asyncio
import ctypes
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel


def process(input: str, user: str = "dev") -> str:
    """The user guide's example: ``Processed: <input> for <user>``."""
    return f"Processed: {input} for {user}"


async def aprocess(input: str, user: str = "dev") -> dict[str, str]:
    """An async entrypoint."""
    await asyncio.sleep(0)
    return {"output": f"Processed: {input} for {user}", "mode": "async"}


def echo(**params: Any) -> dict[str, Any]:
    """Return the params unchanged (the cheapest possible run, for throughput tests)."""
    return params


def identity(value: Any = None) -> Any:
    """Return ``value`` unchanged: a result of any JSON shape (a bare number, a string, null...)."""
    return value


def two_to_the(power: int) -> int:
    """``2 ** power`` (integers beyond 64 bits have no exact JSON form in Pulse)."""
    return int(2**power)


def sleep(seconds: float = 1.0) -> dict[str, float]:
    """Block for ``seconds`` (a sync sleep: only killing the worker stops it)."""
    time.sleep(seconds)
    return {"slept": seconds}


async def asleep(seconds: float = 1.0) -> dict[str, float]:
    """Await for ``seconds``."""
    await asyncio.sleep(seconds)
    return {"slept": seconds}


def _write_atomically(path: str, text: str) -> None:
    """Write ``text`` so that a reader never sees ``path`` exist but empty."""
    partial = Path(f"{path}.partial")
    partial.write_text(text)
    partial.replace(path)


def started_then_sleep(marker: str, seconds: float = 60.0) -> dict[str, int]:
    """Write this worker's PID to the file ``marker``, then block for ``seconds``.

    Lets a test wait until the run is really executing before cancelling it.
    """
    _write_atomically(marker, str(os.getpid()))
    time.sleep(seconds)
    return {"pid": os.getpid()}


def spawn_child_then_sleep(marker: str, seconds: float = 60.0) -> dict[str, int]:
    """Start a child process that sleeps, write its PID to ``marker``, then block."""
    child = subprocess.Popen([sys.executable, "-c", f"import time; time.sleep({seconds})"])
    _write_atomically(marker, str(child.pid))
    time.sleep(seconds)
    return {"child": child.pid}


def crash(code: int = 1) -> None:
    """Kill the worker process at once (``os._exit``)."""
    os._exit(code)


def segfault() -> None:
    """Crash the worker with SIGSEGV."""
    ctypes.string_at(0)


def raise_error(message: str = "agent exploded") -> None:
    """Raise ``ValueError(message)``."""
    raise ValueError(message)


def exit_agent(code: int = 3) -> None:
    """Call ``sys.exit`` (the worker survives; the run fails with ``SystemExit``)."""
    sys.exit(code)


def not_json() -> set[int]:
    """Return a set, which has no JSON form."""
    return {1, 2, 3}


def noisy(input: str = "hi") -> str:
    """Print to stdout and stderr before returning (output must not corrupt the result)."""
    print("noise on stdout", input)
    print("noise on stderr", input, file=sys.stderr)
    return input


def run_env() -> dict[str, str | None]:
    """The ids Pulse exposes to the agent through environment variables."""
    return {k: os.environ.get(k) for k in ("PULSE_RUN_ID", "PULSE_TASK_ID", "PULSE_ATTEMPT")}


def whoami() -> int:
    """The worker's PID (to check which worker ran, and that modules stay imported)."""
    return os.getpid()


class Answer(BaseModel):
    text: str
    score: float


def pydantic_result(text: str = "ok") -> Answer:
    """Return a pydantic model (coerced with ``model_dump(mode="json")``)."""
    return Answer(text=text, score=0.5)


@dataclass
class Point:
    x: int
    y: int


def dataclass_result() -> Point:
    """Return a dataclass instance (coerced to a dict)."""
    return Point(1, 2)


NOT_CALLABLE = 42
"""A module attribute that is no entrypoint."""
