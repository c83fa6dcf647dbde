"""Team agents for the ``team`` executor's tests: entrypoints are called as ``fn(text, team)``.

Nothing here is imported by the test process; each agent process imports it.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any


async def lead(prompt: str, team: Any) -> dict[str, Any]:
    """Ask the researcher, then the writer (in that order), and combine their answers."""
    facts = await team.ask("researcher", f"facts for: {prompt}")
    draft = await team.ask("writer", f"write about {facts}")
    return {"report": f"{draft} [{prompt}]", "by": team.me, "members": team.members}


def research(message: str, team: Any) -> str:
    """A plain (sync) member: runs in a thread of its agent process."""
    return f"research({message})"


async def write(message: str, team: Any) -> str:
    return f"draft({message})"


async def lead_raises(prompt: str, team: Any) -> None:
    raise ValueError(f"the leader refuses: {prompt}")


async def lead_asks_failing_member(prompt: str, team: Any) -> Any:
    """The member raises; the leader does not catch it (``TeamAskError``)."""
    return await team.ask("researcher", prompt)


def member_raises(message: str, team: Any) -> None:
    raise RuntimeError(f"member cannot: {message}")


async def lead_hangs(prompt: str, team: Any) -> None:
    """Never answers: writes its pid to the file named by the prompt, then waits forever."""
    await asyncio.to_thread(Path(prompt).write_text, str(os.getpid()))
    await asyncio.Event().wait()


def lead_sync(prompt: str, team: Any) -> str:
    """A sync leader that answers alone."""
    time.sleep(0)
    return prompt.upper()


def pid(message: str, team: Any) -> int:
    return os.getpid()


async def lead_asks_web(prompt: str, team: Any) -> dict[str, Any]:
    """Ask the HTTP agent ``web`` and the process agent ``writer``."""
    found = await team.ask("web", prompt)
    return {"web": found, "writer": await team.ask("writer", prompt)}


async def lead_holds(prompt: str, team: Any) -> str:
    """Ask both members, then hold the deployment for ``float(prompt)`` seconds (bench)."""
    answers = [await team.ask(name, "ping") for name in team.members]
    await asyncio.sleep(float(prompt))
    return f"{len(answers)} answers"


async def lead_waits(prompt: str, team: Any) -> dict[str, Any]:
    """Ask the researcher, wait until the file named by ``TEAM_GATE`` exists (the test's go),
    then ask the writer: a conversation a test watches grow while the run is live."""
    facts = await team.ask("researcher", f"facts for: {prompt}")
    await asyncio.to_thread(_wait_for_file, Path(os.environ["TEAM_GATE"]))
    draft = await team.ask("writer", f"write about {facts}")
    return {"report": draft, "by": team.me}


def _wait_for_file(path: Path) -> None:
    while not path.exists():
        time.sleep(0.05)
