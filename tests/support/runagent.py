"""A real ``runagent serve`` for tests, benchmarks and the RunAgent example.

The ``runagent`` package pins its own FastAPI and SQLAlchemy, so it lives in a virtual
environment of its own (``.cache/runagent-venv`` in the checkout), never in Pulse's.
:func:`runagent_python` builds it once; :class:`RunagentServe` writes a test agent, registers it
with a private ``RUNAGENT_CACHE_DIR`` (offline: no template repository, no git) and serves it on
127.0.0.1, in its own process group, stopped by PID.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from tests.support.processes import ManagedProcess, answers_200, free_port
from tests.support.virtualenvs import VirtualenvUnavailable, virtualenv_python

__all__ = [
    "AGENT_ID",
    "RUNAGENT_VERSION",
    "RunagentServe",
    "RunagentUnavailable",
    "call_with_runagent_client",
    "runagent_python",
]

RUNAGENT_VERSION = "0.1.49"
AGENT_ID = "0b7c2a4e-5d1f-4c3b-9e8a-7f6d5c4b3a21"

AGENT_SOURCE = '''\
"""The agent Pulse's tests schedule through `runagent serve`."""


def echo(message: str, times: int = 1, **extra):
    return {"echo": message * times, "extra": extra}


def greet(name: str):
    return f"Hello, {name}!"


def fail(message: str):
    raise ValueError(f"agent refused: {message}")


async def words_stream(message: str):
    for word in message.split():
        yield {"word": word}
'''

ENTRYPOINTS = ["echo", "greet", "fail", "words_stream"]

CLIENT_SCRIPT = """
import json, sys, contextlib, io
args = json.loads(sys.argv[1])
from runagent import RunAgentClient
with contextlib.redirect_stdout(io.StringIO()):
    client = RunAgentClient(agent_id=args["agent_id"], entrypoint_tag=args["tag"], local=True,
                            host=args["host"], port=args["port"])
    value = client.run(**args["kwargs"])
    if args["tag"].endswith("_stream"):
        value = list(value)
print(json.dumps(value))
"""


RunagentUnavailable = VirtualenvUnavailable
"""The runagent virtual environment could not be built (no registry access, …)."""


def runagent_python(cache_dir: Path) -> Path:
    """The Python of ``cache_dir/runagent-venv`` with ``runagent`` installed, built if missing.

    Raises:
        RunagentUnavailable: creating the environment or installing ``runagent`` failed.
    """
    return virtualenv_python(cache_dir / "runagent-venv", [f"runagent=={RUNAGENT_VERSION}"])


def _write_agent(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.py").write_text(AGENT_SOURCE)
    config = {
        "agent_name": "pulse-test-agent",
        "description": "The agent Pulse's tests schedule",
        "framework": "default",
        "template": "default",
        "version": "1.0.0",
        "created_at": "2026-01-01T00:00:00",
        "template_source": {"repo_url": "none", "author": "pulse", "path": "none"},
        "agent_architecture": {
            "entrypoints": [{"file": "main.py", "module": tag, "tag": tag} for tag in ENTRYPOINTS]
        },
        "agent_id": AGENT_ID,
    }
    (folder / "runagent.config.json").write_text(json.dumps(config, indent=2))


class RunagentServe(ManagedProcess):
    """``runagent serve`` of the test agent in ``work_dir/agent`` on a free 127.0.0.1 port."""

    def __init__(self, python: Path, work_dir: Path) -> None:
        work_dir.mkdir(parents=True, exist_ok=True)
        self.python = python.absolute()
        self.host = "127.0.0.1"
        self.port = free_port()
        self.agent_dir = work_dir / "agent"
        self.agent_id = AGENT_ID
        self.base_url = f"http://{self.host}:{self.port}"
        runagent = str(self.python.parent / "runagent")
        env = {
            **os.environ,
            "RUNAGENT_CACHE_DIR": str(work_dir / "runagent-cache"),
            "RUNAGENT_TEMPLATE_REPO": "/nonexistent",
            "GIT_PYTHON_REFRESH": "quiet",
            "NO_COLOR": "1",
        }
        super().__init__(
            ["serve", str(self.agent_dir), "--port", str(self.port), "--no-animation"],
            env=env,
            cwd=work_dir,
            log_path=work_dir / "runagent-serve.log",
            program=[runagent],
        )

    def start(self, timeout: float = 60.0) -> RunagentServe:
        """Write and register the agent (once), then serve it and wait until it is healthy."""
        if not self.agent_dir.exists():
            _write_agent(self.agent_dir)
            register = [*self.program, "config", "--register-agent", str(self.agent_dir)]
            done = subprocess.run(
                register, env=self.env, cwd=self.cwd, capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                raise RuntimeError(f"registering the agent failed: {done.stdout[-2000:]}")
        health = f"{self.base_url}/api/v1/health"
        self._start(answers_200(health), timeout, f"{health} answering 200")
        return self


def call_with_runagent_client(serve: RunagentServe, tag: str, kwargs: dict[str, Any]) -> Any:
    """What the real ``RunAgentClient`` (in the runagent environment) returns for a call to
    ``serve``'s agent; a streaming entrypoint's chunks come back as a list."""
    argument = json.dumps(
        {
            "agent_id": serve.agent_id,
            "tag": tag,
            "host": serve.host,
            "port": serve.port,
            "kwargs": kwargs,
        }
    )
    done = subprocess.run(
        [str(serve.python), "-c", CLIENT_SCRIPT, argument],
        capture_output=True,
        text=True,
        timeout=120,
        env=serve.env,
        cwd=serve.cwd,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"RunAgentClient failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
