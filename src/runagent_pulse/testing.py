"""Real Pulse processes for tests and benchmarks: ``pulse serve`` and ``pulse webhook-handler``
as subprocesses on 127.0.0.1, each in its own process group so that stopping (or ``kill -9``)
ends exactly what it started; and :class:`HttpTarget`, a local HTTP server for the ``http``
executor to call."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from runagent_pulse.executors.base import ExecutionContext

PULSE_CLI = [sys.executable, "-c", "from runagent_pulse.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Callable[[], object], bound: float = 30.0, what: str = "") -> None:
    """Poll ``condition`` until it is true; fail after ``bound`` seconds."""
    deadline = time.monotonic() + bound
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not met within {bound}s: {what}")
        time.sleep(0.01)


async def wait_until(
    condition: Callable[[], Awaitable[object]], bound: float = 30.0, what: str = ""
) -> None:
    """Await ``condition`` until it is true; fail after ``bound`` seconds (async tests)."""
    deadline = time.monotonic() + bound
    while not await condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not met within {bound}s: {what}")
        await asyncio.sleep(0.01)


def execution_context(
    agent_id: str = "agent",
    entrypoint_tag: str = "entrypoint",
    params: dict[str, Any] | None = None,
    *,
    run_id: str = "run_1",
    task_id: str = "task_1",
    attempt: int = 1,
    seconds: float = 60.0,
) -> ExecutionContext:
    """An :class:`ExecutionContext` for calling an executor directly, due in ``seconds``."""
    return ExecutionContext(
        run_id=run_id,
        task_id=task_id,
        attempt=attempt,
        scheduled_for=datetime(2030, 1, 1, tzinfo=UTC),
        agent_id=agent_id,
        entrypoint_tag=entrypoint_tag,
        params=params or {},
        deadline=time.monotonic() + seconds,
    )


class ManagedProcess:
    """A ``pulse`` subcommand in its own process group, logging to a file."""

    def __init__(self, args: list[str], *, env: dict[str, str], cwd: Path, log_path: Path) -> None:
        self.args = args
        self.env = env
        self.cwd = cwd
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.started_in = 0.0
        """Seconds the last :meth:`start` took until the process answered."""

    def _start(self, health_url: str, timeout: float) -> None:
        began = time.perf_counter()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*PULSE_CLI, *self.args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.cwd,
                start_new_session=True,
            )

        def healthy() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"pulse {self.args[0]} exited early:\n{self.log()[-4000:]}")
            try:
                return httpx.get(health_url, timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(healthy, timeout, f"{health_url} answering 200\n{self.log()[-4000:]}")
        self.started_in = time.perf_counter() - began

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill9(self) -> None:
        """Crash the process and everything it started (worker processes included)."""
        os.killpg(self.pid, signal.SIGKILL)
        assert self.process is not None
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        """SIGTERM the process group; SIGKILL it if it has not exited within 30 s."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
        self.process = None


class PulseServer(ManagedProcess):
    """``pulse serve`` on the SQLite file ``data_dir/pulse.db``; it can be killed and restarted."""

    def __init__(self, data_dir: Path, *, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_path = data_dir / "pulse.db"
        self.database_url = f"sqlite+aiosqlite:///{self.db_path}"
        super().__init__(
            ["serve"],
            env={
                **os.environ,
                "PULSE_HOST": "127.0.0.1",
                "PULSE_PORT": str(self.port),
                "PULSE_DATABASE_URL": self.database_url,
                **(env or {}),
            },
            cwd=data_dir,
            log_path=data_dir / "server.log",
        )

    def start(self, timeout: float = 60.0) -> PulseServer:
        self._start(f"{self.url}/ready", timeout)
        return self


class WebhookHandler(ManagedProcess):
    """``pulse webhook-handler`` storing results under ``results``."""

    def __init__(
        self,
        results: Path,
        *,
        port: int | None = None,
        secret: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.results = results
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/results"
        environment = {k: v for k, v in os.environ.items() if k != "PULSE_WEBHOOK_SECRET"}
        if secret is not None:
            environment["PULSE_WEBHOOK_SECRET"] = secret
        super().__init__(
            [
                "webhook-handler",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--results-dir",
                str(results),
            ],
            env={**environment, **(env or {})},
            cwd=results.parent,
            log_path=results.parent / f"webhook-handler-{self.port}.log",
        )

    def start(self, timeout: float = 30.0) -> WebhookHandler:
        self._start(f"http://127.0.0.1:{self.port}/health", timeout)
        return self


@dataclass(frozen=True, slots=True)
class Received:
    """One request an :class:`HttpTarget` answered."""

    method: str
    path: str
    headers: dict[str, str]
    """Lower-case names."""
    body: bytes


class _TargetHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real agent servers do
    server: _TargetServer

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.target.record(Received(self.command, self.path, headers, body))
        parts = self.path.strip("/").split("/")
        if parts[0] == "status" and len(parts) > 1:
            self._reply(int(parts[1]), b"answer of status " + parts[1].encode(), "text/plain")
        elif parts[0] == "bytes" and len(parts) > 1:
            self._reply(200, b"x" * int(parts[1]), "text/plain")
        elif parts[0] == "slow":
            self.server.target.release.wait(self.server.target.hold_bound)
            self._reply(200, b'{"slow": true}', "application/json")
        else:
            echo = {"method": self.command, "path": self.path, "body": body.decode("utf-8")}
            self._reply(200, json.dumps(echo).encode(), "application/json")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle  # noqa: N815 - http.server names

    def _reply(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.send_header("set-cookie", "session=not-for-results")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


class _TargetServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    target: HttpTarget


class HttpTarget:
    """An HTTP server on 127.0.0.1 (in a thread of this process) that records every request.

    Paths: ``/status/<code>`` answers that code (body ``answer of status <code>``);
    ``/bytes/<n>`` answers ``n`` bytes; ``/slow`` answers only once :attr:`release` is set (or
    after ``hold_bound`` seconds); anything else echoes ``{"method", "path", "body"}`` as JSON.
    Every answer also sets a cookie (which must never reach a run's result).
    """

    def __init__(self, hold_bound: float = 60.0) -> None:
        self.hold_bound = hold_bound
        self.release = threading.Event()
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._server = _TargetServer(("127.0.0.1", 0), _TargetHandler)
        self._server.target = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def record(self, request: Received) -> None:
        with self._lock:
            self.received.append(request)

    def start(self) -> HttpTarget:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
