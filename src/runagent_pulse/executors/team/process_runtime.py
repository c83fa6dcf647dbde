"""The ``process`` runtime: each agent of a deployment is a local process (:mod:`.agent_host`);
agents given by ``url`` are called over HTTP (:mod:`.url_agent`).

Each agent process is a fresh interpreter in its own session (so signalling its process group
also ends whatever the agent started), spawned with asyncio, with ``PULSE_DEPLOYMENT_ID``,
``PULSE_RUN_ID`` and ``PULSE_AGENT`` in its environment. Pulse and the agent talk over the
agent's stdin/stdout pipes (:mod:`.wire`); an agent's ``team.ask`` comes to Pulse, which records
it and forwards it to the other agent (``on_ask``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import orjson

import runagent_pulse
from runagent_pulse.common.agent_env import agent_environment
from runagent_pulse.domain.errors import ExecutionError
from runagent_pulse.executors.team import processes
from runagent_pulse.executors.team.runtime import (
    AgentInfo,
    AgentSpec,
    AskHandler,
    DeployRequest,
    MessageKind,
    Runtime,
    RuntimeDeployment,
    SpawnHook,
    TeardownError,
)
from runagent_pulse.executors.team.url_agent import UrlAgent, url_client
from runagent_pulse.executors.team.wire import FrameError, encode, read_frame

_BOOTSTRAP = (
    "import json, sys\n"
    "sys.path.append(sys.argv[1])\n"
    "from runagent_pulse.executors.team.agent_host import main\n"
    "main(json.loads(sys.argv[2]))\n"
)
_PACKAGE_ROOT = str(Path(runagent_pulse.__file__).resolve().parent.parent)


class _ProcessAgent:
    """Pulse's side of one agent process: its pipes, its pending calls, its asks."""

    def __init__(
        self, spec: AgentSpec, process: asyncio.subprocess.Process, on_ask: AskHandler
    ) -> None:
        self.spec = spec
        self.process = process
        self.on_ask = on_ask
        self.info = AgentInfo(
            name=spec.name,
            role=spec.role,
            address=f"pid:{process.pid}",
            pid=process.pid,
            started=processes.start_time(process.pid),
        )
        loop = asyncio.get_running_loop()
        self.ready: asyncio.Future[None] = loop.create_future()
        self.ready.add_done_callback(_consume)
        self._ids = itertools.count(1)
        self._calls: dict[int, asyncio.Future[Any]] = {}
        self._asks: set[asyncio.Task[None]] = set()
        self._exit_reason: str | None = None
        self._reader = asyncio.create_task(self._read(), name=f"agent-{spec.name}-reader")

    async def _read(self) -> None:
        assert self.process.stdout is not None
        try:
            while (message := await read_frame(self.process.stdout)) is not None:
                self._dispatch(message)
        except FrameError as exc:
            self._exit_reason = f"it broke the protocol ({exc})"
            processes.signal_group(self.process.pid, signal.SIGKILL)
        code = await self.process.wait()
        reason = self._exit_reason or _describe_exit(code)
        self._fail_all(ExecutionError("AgentExited", f"agent {self.spec.name} exited: {reason}"))

    def _dispatch(self, message: list[Any]) -> None:
        kind = message[0]
        if kind == "ready" and not self.ready.done():
            self.ready.set_result(None)
        elif kind == "fatal":
            _, error_type, text = message
            self._exit_reason = f"{error_type}: {text}"
            if not self.ready.done():
                self.ready.set_exception(
                    ExecutionError(
                        str(error_type),
                        f"agent {self.spec.name} ({self.spec.module}.{self.spec.entrypoint}) "
                        f"could not load: {text}",
                        retryable=False,
                    )
                )
        elif kind == "reply":
            _, request, ok, payload = message
            future = self._calls.pop(request, None)
            if future is not None and not future.done():
                if ok:
                    future.set_result(payload)
                else:
                    error_type, text = payload
                    future.set_exception(ExecutionError(str(error_type), str(text)))
        elif kind == "ask":
            _, request, recipient, content = message
            task = asyncio.create_task(self._answer(request, str(recipient), content))
            self._asks.add(task)
            task.add_done_callback(self._asks.discard)

    async def _answer(self, request: int, recipient: str, content: Any) -> None:
        try:
            answer = [True, await self.on_ask(self.spec.name, recipient, content)]
        except ExecutionError as exc:
            answer = [False, [exc.error_type, exc.message]]
        except Exception as exc:  # a recording failure: the asking agent learns of it
            answer = [False, [type(exc).__name__, str(exc)[:2000]]]
        self._write(["answer", request, *answer])

    def _write(self, message: list[Any]) -> None:
        stdin = self.process.stdin
        if stdin is not None and not stdin.is_closing():
            stdin.write(encode(message))

    def _fail_all(self, error: ExecutionError) -> None:
        for future in (self.ready, *self._calls.values()):
            if not future.done():
                future.set_exception(error)
        self._calls.clear()

    async def wait_ready(self, bound: float) -> None:
        try:
            async with asyncio.timeout(bound):
                await asyncio.shield(self.ready)
        except TimeoutError:
            raise ExecutionError(
                "ReadinessTimeout",
                f"agent {self.spec.name} did not report ready within {bound:g} s",
            ) from None

    async def call(self, kind: str, sender: str, content: Any) -> Any:
        if self.process.returncode is not None:
            raise ExecutionError(
                "AgentExited", f"agent {self.spec.name} exited: {self._exit_reason or 'gone'}"
            )
        request = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._calls[request] = future
        try:
            frame = encode(["call", request, kind, sender, content])
        except TypeError as exc:
            raise ExecutionError("InvalidMessage", f"message is not JSON: {exc}") from None
        assert self.process.stdin is not None
        self.process.stdin.write(frame)
        try:
            return await future
        finally:
            self._calls.pop(request, None)

    async def stop(self, grace: float) -> str | None:
        """End the process (EOF, SIGTERM, SIGKILL after ``grace``); a problem, or None."""
        for task in self._asks:
            task.cancel()
        if self.process.stdin is not None:
            self.process.stdin.close()
        if self.process.returncode is None:
            processes.signal_group(self.process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.shield(self._reader), grace)
        except TimeoutError:
            processes.signal_group(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._reader), processes.KILL_WAIT)
        processes.signal_group(self.process.pid, signal.SIGKILL)  # what the agent left behind
        if self.process.returncode is None:
            return f"agent {self.spec.name} (pid {self.process.pid}) survived SIGKILL"
        return None


def _consume(future: asyncio.Future[None]) -> None:
    """Mark a readiness failure as seen (nobody may be waiting when an agent dies)."""
    if not future.cancelled():
        future.exception()


def _describe_exit(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
        return f"killed by signal {-code}"
    return f"exit code {code}"


class _Deployment(RuntimeDeployment):
    def __init__(self, request: DeployRequest) -> None:
        super().__init__(request)
        self.members: dict[str, _ProcessAgent | UrlAgent] = {}


class ProcessRuntime(Runtime):
    """Agents as local processes (modules under ``agent_paths``) or HTTP agents (URLs)."""

    name: ClassVar[str] = "process"

    def __init__(
        self,
        *,
        agent_paths: Sequence[Path],
        allowlist: Sequence[str] = (),
        allow_private_urls: bool = True,
        follow_symlinks: bool = False,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._agent_paths = [str(Path(p).absolute()) for p in agent_paths]
        self._allowlist = list(allowlist)
        self._follow_symlinks = follow_symlinks
        self._env = dict(env) if env is not None else agent_environment(os.environ)
        self._live: dict[str, _Deployment] = {}
        self._client = url_client(allow_private_urls)

    async def close(self) -> None:
        await self._client.aclose()

    async def deploy(
        self, request: DeployRequest, *, on_spawned: SpawnHook, on_ask: AskHandler
    ) -> RuntimeDeployment:
        # Listed before the first spawn: if starting fails halfway, list() still finds what
        # did start, so the executor's teardown can stop it.
        deployment = _Deployment(request)
        self._live[request.deployment_id] = deployment
        for spec in request.agents:
            agent: _ProcessAgent | UrlAgent
            if spec.url is not None:
                agent = UrlAgent(spec, request, self._client)
            else:
                agent = _ProcessAgent(spec, await self._spawn(request, spec), on_ask)
            deployment.members[spec.name] = agent
            deployment.agents[spec.name] = agent.info
            await on_spawned(agent.info)
        return deployment

    async def _spawn(self, request: DeployRequest, spec: AgentSpec) -> asyncio.subprocess.Process:
        config = {
            "agent_paths": self._agent_paths,
            "allowlist": self._allowlist,
            "follow_symlinks": self._follow_symlinks,
            "parent_pid": os.getpid(),
            "team": request.team,
            "name": spec.name,
            "agents": [a.name for a in request.agents],
            "module": spec.module,
            "entrypoint": spec.entrypoint,
            "run_id": request.run_id,
        }
        env = {
            **self._env,
            processes.DEPLOYMENT_ENV: request.deployment_id,
            "PULSE_RUN_ID": request.run_id,
            "PULSE_AGENT": spec.name,
        }
        try:
            return await asyncio.create_subprocess_exec(
                sys.executable,
                "-P",
                "-c",
                _BOOTSTRAP,
                _PACKAGE_ROOT,
                orjson.dumps(config).decode(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=None,
                start_new_session=True,
                env=env,
            )
        except OSError as exc:
            raise ExecutionError(
                "AgentStartFailed", f"could not start agent {spec.name}: {exc}"
            ) from exc

    async def wait_ready(self, deployment: RuntimeDeployment, bound: float) -> None:
        members = self._members(deployment)
        await asyncio.gather(*(agent.wait_ready(bound) for agent in members.values()))

    async def send(
        self,
        deployment: RuntimeDeployment,
        agent: str,
        kind: MessageKind,
        sender: str,
        content: Any,
    ) -> Any:
        members = self._members(deployment)
        target = members.get(agent)
        if target is None:
            raise ExecutionError(
                "UnknownAgent",
                f"no agent {agent!r} on team {deployment.request.team} "
                f"(agents: {', '.join(members)})",
                retryable=False,
            )
        return await target.call(kind, sender, content)

    async def stop(self, deployment: RuntimeDeployment, grace: float) -> None:
        members = self._members(deployment)
        local = [a for a in members.values() if isinstance(a, _ProcessAgent)]
        results = await asyncio.gather(*(agent.stop(grace) for agent in local))
        self._live.pop(deployment.request.deployment_id, None)
        problems = [problem for problem in results if problem]
        if problems:
            raise TeardownError(deployment.request.name, problems)

    def list(self) -> list[RuntimeDeployment]:
        return list(self._live.values())

    def _members(self, deployment: RuntimeDeployment) -> dict[str, _ProcessAgent | UrlAgent]:
        if not isinstance(deployment, _Deployment):
            raise TypeError("not a deployment of the process runtime")
        return deployment.members
