"""Real Pulse processes for tests and benchmarks: ``pulse serve`` and ``pulse webhook-handler``
as subprocesses on 127.0.0.1, each in its own process group so that stopping (or ``kill -9``)
ends exactly what it started."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

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


class ManagedProcess:
    """A ``pulse`` subcommand (or another ``program``) in its own process group, logging to a
    file."""

    def __init__(
        self,
        args: list[str],
        *,
        env: dict[str, str],
        cwd: Path,
        log_path: Path,
        program: list[str] | None = None,
    ) -> None:
        self.program = program or PULSE_CLI
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
                [*self.program, *self.args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.cwd,
                start_new_session=True,
            )

        def healthy() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log()[-4000:]}")
            try:
                return httpx.get(health_url, timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(healthy, timeout, f"{health_url} answering 200\n{self.log()[-4000:]}")
        self.started_in = time.perf_counter() - began

    @property
    def name(self) -> str:
        """``pulse serve``, ``runagent serve``: what the process is, for messages."""
        program = "pulse" if self.program is PULSE_CLI else Path(self.program[-1]).name
        return f"{program} {self.args[0]}"

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
