"""Real ``pulse serve`` and ``pulse webhook-handler`` subprocesses for acceptance tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

AGENTS_DIR = Path(__file__).parent.parent / "agents"
PULSE_CLI = [sys.executable, "-c", "from runagent_pulse.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Callable[[], object], bound: float = 30.0, what: str = "") -> None:
    """Poll ``condition`` until it is true; fail after ``bound`` seconds."""
    deadline = time.monotonic() + bound
    while not condition():
        assert time.monotonic() < deadline, f"not met within {bound}s: {what}"
        time.sleep(0.05)


class ManagedProcess:
    """A ``pulse`` subcommand in its own process group, logging to a file."""

    def __init__(self, log_path: Path, env: dict[str, str]) -> None:
        self.log_path = log_path
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def _spawn(self, *args: str, cwd: Path | None = None) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*PULSE_CLI, *args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                start_new_session=True,
            )

    def _wait_healthy(self, url: str, timeout: float) -> None:
        def healthy() -> bool:
            assert self.process is not None and self.process.poll() is None, self.log()
            try:
                return httpx.get(url, timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(healthy, timeout, f"{url} answering 200\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill9(self) -> None:
        """Crash the process and everything it started (worker processes included)."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
        self.process = None


class PulseServer(ManagedProcess):
    """``pulse serve`` on one SQLite file; it can be killed (-9) and started again."""

    def __init__(self, data_dir: Path, *, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = f"sqlite+aiosqlite:///{data_dir / 'pulse.db'}"
        super().__init__(
            data_dir / "server.log",
            {
                **os.environ,
                "PULSE_HOST": "127.0.0.1",
                "PULSE_PORT": str(self.port),
                "PULSE_DATABASE_URL": self.database_url,
                "LOCAL_AGENT_PATH": str(AGENTS_DIR),
                "PULSE_LOCAL_WORKERS": "2",
                **(env or {}),
            },
        )

    def start(self, timeout: float = 30.0) -> PulseServer:
        self._spawn("serve", cwd=self.data_dir)
        self._wait_healthy(f"{self.url}/ready", timeout)
        return self


class WebhookHandler(ManagedProcess):
    """``pulse webhook-handler`` storing results under ``results``."""

    def __init__(self, results: Path, *, port: int | None = None, secret: str | None) -> None:
        self.results = results
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/results"
        env = {k: v for k, v in os.environ.items() if k != "PULSE_WEBHOOK_SECRET"}
        if secret is not None:
            env["PULSE_WEBHOOK_SECRET"] = secret
        super().__init__(results.parent / f"handler-{self.port}.log", env)

    def start(self, timeout: float = 30.0) -> WebhookHandler:
        self._spawn(
            "webhook-handler",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--results-dir",
            str(self.results),
        )
        self._wait_healthy(f"http://127.0.0.1:{self.port}/health", timeout)
        return self
