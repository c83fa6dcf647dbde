"""The processes a scenario measures: ``pulse serve`` and ``pulse webhook-handler``.

Each runs in its own process group on 127.0.0.1 and a free port, with its files in the scenario's
temporary folder; :meth:`stop` ends exactly that group (SIGTERM, then SIGKILL after a bound).
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import httpx
import psutil

AGENTS_DIR = Path(__file__).resolve().parent.parent / "tests" / "agents"
_CLI = [sys.executable, "-c", "from runagent_pulse.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Process:
    """A CLI subprocess in its own process group, logging to a file."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path, log_path: Path) -> None:
        self.args = args
        self.env = env
        self.cwd = cwd
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def _spawn(self) -> subprocess.Popen[bytes]:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*_CLI, *self.args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.cwd,
                start_new_session=True,
            )
        return self.process

    def _wait_http(self, url: str, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.args[0]} exited early:\n{self.log()[-4000:]}")
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.01)
        raise TimeoutError(f"{self.args[0]} not ready after {timeout}s:\n{self.log()[-4000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        """SIGTERM the process group, SIGKILL it if it has not exited within 30 s."""
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


class PulseServer(_Process):
    """``pulse serve`` on a fresh SQLite file in ``data_dir``."""

    def __init__(self, data_dir: Path, *, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_path = data_dir / "pulse.db"
        super().__init__(
            ["serve"],
            {
                **os.environ,
                "PULSE_HOST": "127.0.0.1",
                "PULSE_PORT": str(self.port),
                "PULSE_DATABASE_URL": f"sqlite+aiosqlite:///{self.db_path}",
                "LOCAL_AGENT_PATH": str(AGENTS_DIR),
                **(env or {}),
            },
            data_dir,
            data_dir / "server.log",
        )

    def start(self, timeout: float = 60.0) -> float:
        """Start and wait for ``/ready``; return the seconds that took."""
        began = time.perf_counter()
        self._spawn()
        self._wait_http(f"{self.url}/ready", timeout)
        return time.perf_counter() - began

    def rss_bytes(self) -> int:
        """Resident memory of the server and every process it started (its workers)."""
        root = psutil.Process(self.pid)
        total = 0
        for proc in [root, *root.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total

    @contextmanager
    def sql(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection to the server's SQLite file (for counting results)."""
        with closing(sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)) as conn:
            yield conn

    def scalar(self, query: str, *params: object) -> Any:
        with self.sql() as conn:
            return conn.execute(query, params).fetchone()[0]


class WebhookHandler(_Process):
    """``pulse webhook-handler`` writing into ``results_dir``."""

    def __init__(self, results_dir: Path, *, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.results_dir = results_dir
        super().__init__(
            [
                "webhook-handler",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--results-dir",
                str(results_dir),
            ],
            {**os.environ, **(env or {})},
            results_dir.parent,
            results_dir.parent / "webhook-handler.log",
        )

    def start(self, timeout: float = 30.0) -> float:
        began = time.perf_counter()
        self._spawn()
        self._wait_http(f"{self.url}/health", timeout)
        return time.perf_counter() - began
