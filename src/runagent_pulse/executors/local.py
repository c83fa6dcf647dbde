"""The ``local`` executor: Python agents from ``LOCAL_AGENT_PATH``, run in worker processes.

Targets (checked at create time by :meth:`LocalExecutor.validate_target`, and again in the
worker before importing):

- ``agent_id`` is a dotted module name found *as a file* under one of ``agent_paths``
  (``<path>/a/b.py`` or ``<path>/a/b/__init__.py``), or listed in the allow-list (``"pkg.mod"``
  exactly, ``"pkg.*"`` for a package and everything in it). Nothing else is importable: not
  ``subprocess``, not ``os``, and with neither setting nothing at all.
- ``entrypoint_tag`` is one public identifier (no dots: ``module.os.system`` cannot be reached).
  It names a module attribute or, in the package form, the submodule ``agent_id.tag`` whose
  attribute ``tag`` is taken (``my_agent/process.py`` defining ``process``). A module is never an
  entrypoint.
- The entrypoint is called with the params as keyword arguments: a function (sync, or async on
  the worker's event loop), or an object's ``ainvoke`` / ``invoke`` (LangGraph), ``kickoff``
  (CrewAI), ``arun`` / ``run`` (Agno), in that order of preference, with the user guide's
  parameter shapes mapped onto each (:mod:`.frameworks`), or the object itself if callable. The
  result is coerced to JSON in the worker (:mod:`.results`).

A fixed pool of long-lived workers (fresh interpreters, see :mod:`.local_worker`) each runs one
job at a time; a run that finds every worker busy waits its turn (FIFO) and can be cancelled while
waiting. Per run, one small JSON message goes each way over a pipe; nothing is spawned. Modules
stay imported in a worker, so an edited agent file is picked up when its worker is replaced.

Failure handling:

- the agent raises -> ``ExecutionError(<exception class name>, <message>, retryable=True)``;
- the module or entrypoint cannot be found -> ``AgentNotFound`` / ``EntrypointNotFound``,
  not retryable;
- the worker dies (``os._exit``, a segfault, the OOM killer) -> ``WorkerCrashed`` (retryable); the
  server is untouched and a new worker is started when that pool slot is next used;
- the run is cancelled (timeout or a user's cancel) -> the worker's whole process group gets
  ``SIGKILL`` at once (so the agent's own child processes die too), the worker is reaped and
  replaced the same way, and ``CancelledError`` propagates. There is no SIGTERM grace: Python
  does not turn SIGTERM into an exception, so a grace period would only delay the end of the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, cast

import orjson

import runagent_pulse
from runagent_pulse.common.agent_env import agent_environment
from runagent_pulse.common.agent_targets import check_target
from runagent_pulse.domain.errors import ExecutionError, ResultNotSerializable
from runagent_pulse.executors.base import AGENT_STARTED, ExecutionContext, Executor
from runagent_pulse.executors.local_worker import HEADER, MSG_OK, MSG_READY

__all__ = ["LocalExecutor"]

_BOOTSTRAP = (
    "import json, sys\n"
    "sys.path.append(sys.argv[1])\n"
    "from runagent_pulse.executors.local_worker import main\n"
    "main(**json.loads(sys.argv[2]))\n"
)
_PACKAGE_ROOT = str(Path(runagent_pulse.__file__).resolve().parent.parent)
_REAP_TIMEOUT = 2.0
"""How long a cancelled run waits for its killed worker to be reaped before giving up."""


class _WorkerDiedError(Exception):
    pass


class _WorkerProtocol(asyncio.SubprocessProtocol):
    """Reassembles the worker's length-prefixed replies and hands each to the waiting run."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.buffer = bytearray()
        self.ready: asyncio.Future[int] = loop.create_future()
        self.exited: asyncio.Future[None] = loop.create_future()
        self.reply: asyncio.Future[list[Any]] | None = None
        self.dead = False

    def pipe_data_received(self, fd: int, data: bytes | bytearray) -> None:
        buffer = self.buffer
        buffer += data
        while len(buffer) >= HEADER.size:
            end = HEADER.size + HEADER.unpack_from(buffer)[0]
            if len(buffer) < end:
                return
            message = orjson.loads(bytes(buffer[HEADER.size : end]))
            del buffer[:end]
            if message[0] == MSG_READY:
                if not self.ready.done():
                    self.ready.set_result(message[1])
            elif self.reply is not None and not self.reply.done():
                self.reply.set_result(message)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        if fd == 1:
            self._fail()

    def process_exited(self) -> None:
        self._fail()
        if not self.exited.done():
            self.exited.set_result(None)

    def _fail(self) -> None:
        self.dead = True
        for future in (self.ready, self.reply):
            if future is not None and not future.done():
                future.set_exception(_WorkerDiedError())


class _Worker:
    """The server's handle on one worker process."""

    def __init__(self, transport: asyncio.SubprocessTransport, protocol: _WorkerProtocol) -> None:
        self.transport = transport
        self.protocol = protocol
        self.pid: int = transport.get_pid()
        stdin = transport.get_pipe_transport(0)
        if stdin is None:  # uvloop's pipe transports are not asyncio.WriteTransport subclasses
            raise RuntimeError("worker process has no stdin pipe")
        self.stdin = cast(asyncio.WriteTransport, stdin)
        # Close the transport only once the child is reaped: closing it earlier makes asyncio
        # poll() the child itself, racing the child watcher and losing the real exit code.
        protocol.exited.add_done_callback(lambda _: transport.close())

    async def request(self, body: bytes) -> list[Any]:
        protocol = self.protocol
        if protocol.dead:
            raise _WorkerDiedError
        reply: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        protocol.reply = reply
        self.stdin.write(HEADER.pack(len(body)) + body)
        try:
            return await reply
        finally:
            protocol.reply = None

    def kill(self) -> None:
        """SIGKILL the worker's process group (the worker and whatever the agent started)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)

    async def wait_exited(self, limit: float) -> bool:
        done, _ = await asyncio.wait({self.protocol.exited}, timeout=limit)
        return bool(done)

    def describe_exit(self) -> str:
        code = self.transport.get_returncode()
        if code is None:
            return "its exit status is unknown"
        if code < 0:
            try:
                return f"it was killed by {signal.Signals(-code).name} (exit code {code})"
            except ValueError:
                return f"it was killed by signal {-code} (exit code {code})"
        return f"it exited with exit code {code}"


class _Slot:
    """A place in the pool: holds a live worker, or None until one is (re)started."""

    __slots__ = ("worker",)

    def __init__(self) -> None:
        self.worker: _Worker | None = None


class LocalExecutor(Executor):
    """Run ``agent_id:entrypoint_tag`` from ``agent_paths`` in a pool of ``workers`` processes."""

    name: ClassVar[str] = "local"
    reports_start: ClassVar[bool] = True  # a run may wait here for a free worker
    starts_on_first_use: ClassVar[bool] = True  # workers cost ~35 MB each: none until needed

    def __init__(
        self,
        *,
        agent_paths: Sequence[Path],
        allowlist: Sequence[str] = (),
        workers: int = 2,
        start_timeout: float = 60.0,
        follow_symlinks: bool = False,
        env: Mapping[str, str] | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self._agent_paths = [Path(p).absolute() for p in agent_paths]
        self._allowlist = list(allowlist)
        self._workers = workers
        self._start_timeout = start_timeout
        self._follow_symlinks = follow_symlinks
        self._env = dict(env) if env is not None else agent_environment(os.environ)
        self._slots: asyncio.Queue[_Slot] = asyncio.Queue()
        self._live: set[_Worker] = set()
        self._started = False
        self._closed = False
        self._start_lock = asyncio.Lock()
        self._config = orjson.dumps(
            {
                "agent_paths": [str(p) for p in self._agent_paths],
                "allowlist": self._allowlist,
                "parent_pid": os.getpid(),
                "follow_symlinks": follow_symlinks,
            }
        ).decode()

    @property
    def worker_pids(self) -> list[int]:
        """PIDs of the worker processes alive right now (for tests and diagnostics)."""
        return sorted(w.pid for w in self._live if not w.protocol.dead)

    def validate_target(self, agent_id: str, entrypoint_tag: str) -> None:
        check_target(
            agent_id,
            entrypoint_tag,
            self._agent_paths,
            self._allowlist,
            follow_symlinks=self._follow_symlinks,
        )

    async def start(self) -> None:
        async with self._start_lock:
            if self._started:
                return
            if self._closed:
                raise RuntimeError("the local executor is closed")
            slots = [_Slot() for _ in range(self._workers)]
            results = await asyncio.gather(*(self._spawn() for _ in slots), return_exceptions=True)
            for slot, result in zip(slots, results, strict=True):
                if isinstance(result, _Worker):
                    slot.worker = result
                self._slots.put_nowait(slot)
            self._started = True
            failure = next((r for r in results if isinstance(r, BaseException)), None)
            if failure is not None:
                await self.close()
                raise failure

    async def close(self) -> None:
        self._closed = True
        workers = list(self._live)
        for worker in workers:  # idle workers exit on EOF; busy ones are killed
            if worker.protocol.reply is None:
                worker.stdin.close()
            else:
                worker.kill()
        if workers:
            await asyncio.wait({w.protocol.exited for w in workers}, timeout=_REAP_TIMEOUT)
        for worker in workers:
            if not worker.protocol.exited.done():
                worker.kill()
        if workers:
            await asyncio.wait({w.protocol.exited for w in workers}, timeout=_REAP_TIMEOUT)
        for worker in workers:
            if not worker.protocol.exited.done():  # not reaped in time: let asyncio give up
                worker.transport.close()
        self._live.difference_update(workers)

    async def execute(self, ctx: ExecutionContext) -> Any:
        self._check_open()
        if not self._started:
            await self.start()
        try:
            body = orjson.dumps(
                [ctx.agent_id, ctx.entrypoint_tag, ctx.params, ctx.run_id, ctx.task_id, ctx.attempt]
            )
        except TypeError as exc:
            raise ExecutionError(
                "InvalidParams", f"params are not JSON: {exc}", retryable=False
            ) from None
        slot = await self._slots.get()
        try:
            self._check_open()
            worker = slot.worker
            if worker is None or worker.protocol.dead:
                slot.worker = None
                if worker is not None:
                    self._discard(worker)
                worker = slot.worker = await self._spawn()
            ctx.event(AGENT_STARTED, worker=worker.pid)
            try:
                reply = await worker.request(body)
            except asyncio.CancelledError:
                slot.worker = None
                self._discard(worker)
                await worker.wait_exited(_REAP_TIMEOUT)
                raise
            except _WorkerDiedError:
                slot.worker = None
                await worker.wait_exited(_REAP_TIMEOUT)
                self._discard(worker)  # also kills what the agent left behind in its group
                self._check_open()
                raise ExecutionError(
                    "WorkerCrashed",
                    f"the worker process running {ctx.agent_id}.{ctx.entrypoint_tag} died: "
                    f"{worker.describe_exit()}; a new worker takes its place",
                    retryable=True,
                ) from None
        finally:
            self._slots.put_nowait(slot)
        if reply[0] == MSG_OK:
            return reply[1]
        _, error_type, message, retryable = reply
        if error_type == "ResultNotSerializable":
            raise ResultNotSerializable(message)
        raise ExecutionError(error_type, message, retryable=retryable)

    def _check_open(self) -> None:
        if self._closed:
            raise ExecutionError(
                "ExecutorClosed", "the local executor was shut down", retryable=True
            )

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        self._live.discard(worker)

    async def _spawn(self) -> _Worker:
        loop = asyncio.get_running_loop()
        try:
            transport, protocol = await loop.subprocess_exec(
                lambda: _WorkerProtocol(loop),
                sys.executable,
                "-P",
                "-c",
                _BOOTSTRAP,
                _PACKAGE_ROOT,
                self._config,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=None,
                start_new_session=True,
                env=self._env,
            )
        except OSError as exc:
            raise ExecutionError(
                "WorkerStartFailed", f"could not start a worker: {exc}", retryable=True
            ) from exc
        worker = _Worker(transport, protocol)
        self._live.add(worker)
        try:
            async with asyncio.timeout(self._start_timeout):
                await protocol.ready
        except BaseException as exc:
            self._discard(worker)
            await worker.wait_exited(_REAP_TIMEOUT)
            if isinstance(exc, _WorkerDiedError | TimeoutError):
                raise ExecutionError(
                    "WorkerStartFailed",
                    f"a local worker did not start: {worker.describe_exit()} "
                    "(see the server's stderr)",
                    retryable=True,
                ) from None
            raise
        if self._closed:
            self._discard(worker)
            await worker.wait_exited(_REAP_TIMEOUT)
            self._check_open()
        return worker
