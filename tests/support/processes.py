"""Real Pulse processes for tests and benchmarks: ``pulse serve``, ``pulse worker`` and
``pulse webhook-handler`` as subprocesses on 127.0.0.1, each in its own process group so that
stopping (or ``kill -9``) ends exactly what it started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import httpx

from tests.support.waiting import wait_for

PULSE_CLI = [sys.executable, "-c", "from runagent_pulse.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
        name: str | None = None,
    ) -> None:
        self.program = program or PULSE_CLI
        self.args = args
        shown = "pulse" if self.program is PULSE_CLI else Path(self.program[-1]).name
        self.name = name or f"{shown} {args[0]}"
        """What the process is, for messages and log names: ``pulse serve``, ``worker-1``."""
        self.env = env
        self.cwd = cwd
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.started_in = 0.0
        """Seconds the last :meth:`start` took until the process answered."""

    def _start(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
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

        def started() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log()[-4000:]}")
            try:
                return ready()
            except httpx.TransportError:
                return False

        wait_for(started, timeout, f"{what}\n{self.log()[-4000:]}")
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


def answers_200(url: str) -> Callable[[], bool]:
    """A probe that ``url`` answers 200. It polls with one client, made before the process
    starts: a new client per poll loads the CA bundle each time (~20 ms), which a start-up
    figure would count."""
    client = httpx.Client(timeout=1)

    def answered() -> bool:
        if client.get(url).status_code != 200:
            return False
        client.close()
        return True

    return answered


class PulseServer(ManagedProcess):
    """``pulse serve`` on ``database_url`` (default: the SQLite file ``data_dir/pulse.db``);
    it can be killed and restarted."""

    defaults: ClassVar[dict[str, str]] = {}
    """Settings a subclass adds under ``env`` (e.g. its ``LOCAL_AGENT_PATH``)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        env: dict[str, str] | None = None,
        database_url: str | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_path = data_dir / "pulse.db"
        self.database_url = database_url or f"sqlite+aiosqlite:///{self.db_path}"
        super().__init__(
            ["serve"],
            env={
                **os.environ,
                "PULSE_HOST": "127.0.0.1",
                "PULSE_PORT": str(self.port),
                "PULSE_DATABASE_URL": self.database_url,
                **self.defaults,
                **(env or {}),
            },
            cwd=data_dir,
            log_path=data_dir / "server.log",
        )

    def start(self, timeout: float = 60.0) -> PulseServer:
        self._start(answers_200(f"{self.url}/ready"), timeout, f"{self.url}/ready answering 200")
        return self

    def nodes(self) -> list[dict[str, Any]]:
        """``GET /v1/nodes``: the nodes sharing this server's database."""
        key = self.env.get("PULSE_API_KEY")
        headers = {"authorization": f"Bearer {key}"} if key else {}
        response = httpx.get(f"{self.url}/v1/nodes", headers=headers, timeout=5)
        response.raise_for_status()
        items: list[dict[str, Any]] = response.json()["items"]
        return items


class PulseWorker(ManagedProcess):
    """``pulse worker`` on ``server``'s database (and settings), logging to ``<name>.log``."""

    def __init__(
        self, server: PulseServer, name: str = "worker", *, env: dict[str, str] | None = None
    ) -> None:
        self.server = server
        super().__init__(
            ["worker"],
            env={**server.env, **(env or {})},
            cwd=server.data_dir,
            log_path=server.data_dir / f"{name}.log",
            name=name,
        )

    def registered(self) -> bool:
        """The worker is in the node registry and alive."""
        pid = self.process.pid if self.process else None
        return any(n["pid"] == pid and n["alive"] for n in self.server.nodes())

    def start(self, timeout: float = 60.0) -> PulseWorker:
        self._start(self.registered, timeout, f"{self.name} registered as a live node")
        return self

    def returncode(self) -> int | None:
        """The exit status once the process ended (None while it runs)."""
        return None if self.process is None else self.process.poll()


class WebhookHandler(ManagedProcess):
    """``pulse webhook-handler`` storing results under ``results``, on 127.0.0.1 unless told
    otherwise (``host=None``: the handler's own default)."""

    def __init__(
        self,
        results: Path,
        *,
        port: int | None = None,
        secret: str | None = None,
        env: dict[str, str] | None = None,
        host: str | None = "127.0.0.1",
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
                *(["--host", host] if host else []),
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
        health = f"http://127.0.0.1:{self.port}/health"
        self._start(answers_200(health), timeout, f"{health} answering 200")
        return self
