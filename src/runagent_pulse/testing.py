"""Real Pulse processes for tests and benchmarks: ``pulse serve``, ``pulse worker`` and
``pulse webhook-handler`` as subprocesses on 127.0.0.1, each in its own process group so that
stopping (or ``kill -9``) ends exactly what it started; throwaway PostgreSQL databases; and
:class:`HttpTarget`, a local HTTP server for the ``http`` executor to call."""

from __future__ import annotations

import asyncio
import inspect
import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any, ClassVar

import httpx
import sqlalchemy as sa

from runagent_pulse.executors.base import ExecutionContext

PULSE_CLI = [sys.executable, "-c", "from runagent_pulse.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of ``values`` (``p`` in 0-100)."""
    ordered = sorted(values)
    rank = max(math.ceil(p / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def wait_for(
    condition: Callable[[], object], bound: float = 30.0, what: str = "", interval: float = 0.01
) -> None:
    """Poll ``condition`` every ``interval`` seconds until it is true; fail after ``bound``."""
    deadline = time.monotonic() + bound
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not met within {bound}s: {what}")
        time.sleep(interval)


async def wait_until(
    condition: Callable[[], Awaitable[object] | object], bound: float = 30.0, what: str = ""
) -> None:
    """Poll ``condition`` (sync, or returning an awaitable) until it is true; fail after
    ``bound`` seconds (async tests)."""
    deadline = time.monotonic() + bound
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return
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
    return lambda: httpx.get(url, timeout=1).status_code == 200


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
        health = f"http://127.0.0.1:{self.port}/health"
        self._start(answers_200(health), timeout, f"{health} answering 200")
        return self


@dataclass(frozen=True, slots=True)
class Received:
    """One request an :class:`HttpTarget` answered."""

    method: str
    path: str
    headers: dict[str, str]
    """Lower-case names."""
    body: bytes


async def read_request(reader: asyncio.StreamReader) -> Received:
    """Read one HTTP/1.1 request with a ``content-length`` body (or none).

    Raises:
        asyncio.IncompleteReadError: the peer closed the connection first.
    """
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = lines[0].split(" ", 2)
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines[1:] if line)
    }
    body = await reader.readexactly(int(headers.get("content-length") or 0))
    return Received(method, path, headers, body)


def _http_response(status: int, body: bytes, content_type: str) -> bytes:
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        f"content-type: {content_type}\r\ncontent-length: {len(body)}\r\n"
        "set-cookie: session=not-for-results\r\n\r\n"
    )
    return head.encode() + body


class HttpTarget:
    """An HTTP/1.1 server on 127.0.0.1 (asyncio, in a thread of this process, keep-alive) that
    records every request.

    Paths: ``/status/<code>`` answers that code (body ``answer of status <code>``);
    ``/bytes/<n>`` answers ``n`` bytes; ``/slow`` answers only once :attr:`release` is set (or
    after ``hold_bound`` seconds); anything else echoes ``{"method", "path", "body"}`` as JSON.
    Every answer also sets a cookie (which must never reach a run's result).
    """

    def __init__(self, hold_bound: float = 60.0) -> None:
        self.hold_bound = hold_bound
        self.release = threading.Event()
        self.received: list[Received] = []
        self.connections = 0
        """TCP connections accepted so far."""
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> HttpTarget:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, "127.0.0.1", 0), self._loop
        )
        self._server = future.result(timeout=10)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self

    def stop(self) -> None:
        self.release.set()

        async def close() -> None:
            if self._server is not None:
                self._server.close()
            connections = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in connections:
                task.cancel()
            await asyncio.gather(*connections, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                request = await read_request(reader)
                self.received.append(request)
                writer.write(await self._answer(request.method, request.path, request.body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _answer(self, method: str, path: str, body: bytes) -> bytes:
        parts = path.strip("/").split("/")
        if parts[0] == "status" and len(parts) > 1:
            return _http_response(
                int(parts[1]), f"answer of status {parts[1]}".encode(), "text/plain"
            )
        if parts[0] == "bytes" and len(parts) > 1:
            return _http_response(200, b"x" * int(parts[1]), "text/plain")
        if parts[0] == "slow":
            await asyncio.to_thread(self.release.wait, self.hold_bound)
            return _http_response(200, b'{"slow": true}', "application/json")
        echo = {"method": method, "path": path, "body": body.decode("utf-8")}
        return _http_response(200, json.dumps(echo).encode(), "application/json")


# -- PostgreSQL -----------------------------------------------------------------------------------
POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
"""The server tests and benchmarks use unless ``PULSE_TEST_POSTGRES_URL`` names another."""


def postgres_server_url() -> str:
    return os.environ.get("PULSE_TEST_POSTGRES_URL", POSTGRES_URL)


def postgres_reachable(url: str) -> bool:
    """Whether something listens at ``url``'s host and port."""
    parsed = sa.make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), 1):
            return True
    except OSError:
        return False


def _plain(url: str) -> str:
    """``url`` as asyncpg takes it (no SQLAlchemy driver suffix)."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def pg_query(url: str, query: str, *args: object) -> list[tuple[Any, ...]]:
    """Rows of ``query`` on the PostgreSQL database at ``url`` (``$1``-style parameters)."""
    import asyncpg

    async def fetch() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(_plain(url))
        try:
            return [tuple(row) for row in await conn.fetch(query, *args)]
        finally:
            await conn.close()

    return asyncio.run(fetch())


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the PostgreSQL server of ``server_url``; dropped on exit
    (connections still open are ended). Yields its SQLAlchemy URL."""
    name = f"pulse_test_{uuid.uuid4().hex[:12]}"
    pg_query(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        pg_query(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
