"""Pulse next to the schedulers people pick instead, on the same workloads in the same run:
APScheduler 3.11 (SQLite job store), DBOS (SQLite and PostgreSQL, a queue with delayed
enqueues) and procrastinate (PostgreSQL, ``schedule_at``). Each peer runs in a virtual
environment of its own under ``.cache/peers`` (built on first use) from a script in
``bench/peer_apps``; the workloads go one at a time through every system (interleaved), and
each figure comes with Pulse's ratio to the peer (above 1: Pulse ahead)."""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import psutil

from bench import api_create, scale
from bench.burst import measure_burst
from bench.common import Figure, create_batches, echo_task, folder, say
from bench.lag import measure_lag
from bench.server import PulseServer
from tests.support import postgres
from tests.support.virtualenvs import VirtualenvUnavailable, virtualenv_python

CACHE = Path(__file__).resolve().parent.parent / ".cache" / "peers"
APPS = Path(__file__).resolve().parent / "peer_apps"


@dataclass(frozen=True)
class Peer:
    name: str
    venv: str
    requirements: tuple[str, ...]
    app: str
    backend: str  # "sqlite" or "postgresql"
    restarts: bool = True

    def python(self) -> Path:
        return virtualenv_python(CACHE / self.venv, self.requirements)


PEERS = (
    Peer(
        "APScheduler-SQLite",
        "apscheduler-venv",
        ("apscheduler>=3.11,<3.12", "sqlalchemy>=2,<3", "psutil"),
        "apscheduler_app.py",
        "sqlite",
    ),
    Peer(
        "DBOS-SQLite",
        "dbos-venv",
        ("dbos>=2,<4", "psycopg[binary]>=3.1,<4", "psutil"),
        "dbos_app.py",
        "sqlite",
        restarts=False,
    ),
    Peer(
        "DBOS-PG",
        "dbos-venv",
        ("dbos>=2,<4", "psycopg[binary]>=3.1,<4", "psutil"),
        "dbos_app.py",
        "postgresql",
        restarts=False,
    ),
    Peer(
        "procrastinate-PG",
        "procrastinate-venv",
        ("procrastinate>=3,<4", "psycopg[binary,pool]>=3.1,<4", "psutil"),
        "procrastinate_app.py",
        "postgresql",
    ),
)

Figures = dict[str, float]
"""One system's figures of one workload, by name."""


@contextlib.contextmanager
def _database(backend: str, workdir: Path, name: str) -> Iterator[str]:
    """A fresh database for one step: a SQLite file, or a PostgreSQL database dropped after."""
    if backend == "sqlite":
        yield str(workdir / f"{name}.db")
        return
    with postgres.postgres_database(postgres.postgres_server_url()) as url:
        yield url.replace("postgresql+asyncpg://", "postgresql://")


def _run_app(peer: Peer, workload: str, db: str, **options: float) -> Figures:
    """Run ``workload`` of ``peer``'s app to its end; the JSON line it printed."""
    arguments = [f"--{key}={value:g}" for key, value in options.items()]
    done = subprocess.run(
        [str(peer.python()), str(APPS / peer.app), workload, f"--db={db}", *arguments],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{peer.name} {workload} failed: {done.stderr[-1500:]}")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    figures: Figures = orjson.loads(lines[-1]) if lines else {}
    return figures


def _restart_app(peer: Peer, db: str, count: int) -> Figures:
    """Fill ``db`` with ``count`` future daily jobs, then time spawn → ready and measure RSS."""
    _run_app(peer, "prepare", db, count=count)
    times, rss = [], 0
    for _ in range(scale.RESTARTS):
        began = time.perf_counter()
        process = subprocess.Popen(
            [str(peer.python()), str(APPS / peer.app), "serve", f"--db={db}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        try:
            assert process.stdout is not None
            if process.stdout.readline().strip() != "READY":
                raise RuntimeError(f"{peer.name} did not start on {count} jobs")
            times.append(time.perf_counter() - began)
            time.sleep(1.0)
            rss = psutil.Process(process.pid).memory_info().rss
        finally:
            process.kill()
            process.wait(timeout=30)
    return {"ready_s": sorted(times)[len(times) // 2], "rss_mb": rss / 2**20}


# -- Pulse's side of each workload ---------------------------------------------------------------
def _pulse_burst(workdir: Path, count: int, backend: str) -> Figures:
    with _database(backend, workdir, "pulse-burst") as db:
        figures = measure_burst(
            "peers",
            folder(workdir, f"pulse-burst-{backend}"),
            count=count,
            make_task=echo_task,
            target=None,
            database_url=None if backend == "sqlite" else db,
        )
    return {"runs_per_s": figures[0].value, "last_s": figures[1].value}


def _pulse_lag(workdir: Path, count: int, backend: str) -> Figures:
    with _database(backend, workdir, "pulse-lag") as db:
        url = None if backend == "sqlite" else db
        server = PulseServer(folder(workdir, f"pulse-lag-{backend}"), database_url=url).start()
        try:
            found = {f.name: f.value for f in measure_lag("peers", server, count=count, lead=2.0)}
        finally:
            server.stop()
    return {
        "lag_p50_ms": found["due → claim committed p50"],
        "lag_p99_ms": found["due → claim committed p99"],
    }


def _pulse_create(workdir: Path, seconds: float) -> Figures:
    server = PulseServer(folder(workdir, "pulse-create")).start()
    try:
        by_wrk = api_create.wrk(server, workdir, seconds=seconds)
        batch = api_create.batches(server, size=1_000, count=10)
    finally:
        server.stop()
    return {
        "creates_per_s": by_wrk.value if by_wrk else float("nan"),
        "batch_per_s": 10_000 / batch,
    }


def _pulse_restart(workdir: Path, count: int) -> Figures:
    server = PulseServer(folder(workdir, "pulse-restart")).start()
    try:
        create_batches(server, scale.daily_tasks(count))
        ready = scale.restarts(server)
        time.sleep(1.0)
        return {"ready_s": ready, "rss_mb": server.rss_bytes() / 2**20}
    finally:
        server.stop()


# -- the table ------------------------------------------------------------------------------------
WORKLOADS: tuple[tuple[str, str, str, bool], ...] = (
    # (workload, figure, unit, higher is better)
    ("burst", "runs_per_s", "runs/s", True),
    ("lag", "lag_p50_ms", "ms", False),
    ("lag", "lag_p99_ms", "ms", False),
    ("create", "creates_per_s", "creates/s", True),
    ("create", "batch_per_s", "creates/s in batches", True),
    ("restart", "ready_s", "s", False),
    ("restart", "rss_mb", "MB", False),
)


def _figures(workload: str, system: str, found: Figures) -> list[Figure]:
    return [
        Figure("peers", f"{workload}: {system} {name}", found[name], unit)
        for load, name, unit, _ in WORKLOADS
        if load == workload and found.get(name) is not None
    ]


def _ratios(workload: str, pulse: Figures, system: str, peer: Figures) -> list[Figure]:
    """Pulse's advantage over ``system``: its figure ÷ the peer's for rates, the peer's ÷
    Pulse's for times and memory (above 1: Pulse is ahead)."""
    ratios = []
    for load, name, _, higher in WORKLOADS:
        ours, theirs = pulse.get(name), peer.get(name)
        if load != workload or not ours or not theirs:
            continue
        ratio = ours / theirs if higher else theirs / ours
        ratios.append(Figure("peers", f"{workload}: Pulse ÷ {system}, {name}", ratio, "×"))
    return ratios


def run(workdir: Path, *, quick: bool) -> list[Figure]:
    burst_n, lag_n, seconds, restart_n = (
        (1_000, 200, 2.0, 10_000) if quick else (10_000, 2_000, 10.0, 100_000)
    )
    reachable = postgres.postgres_reachable(postgres.postgres_server_url())
    peers = [p for p in PEERS if p.backend == "sqlite" or reachable]
    if not reachable:
        say("PostgreSQL is not reachable: DBOS-PG, procrastinate-PG and Pulse-PG are left out")
    usable = []
    for peer in peers:
        try:
            peer.python()
            usable.append(peer)
        except VirtualenvUnavailable as exc:
            say(f"{peer.name} left out: its environment cannot be built ({exc})")
    pulse_steps: dict[str, Callable[[str], Figures]] = {
        "burst": lambda backend: _pulse_burst(workdir, burst_n, backend),
        "lag": lambda backend: _pulse_lag(workdir, lag_n, backend),
        "create": lambda _backend: _pulse_create(workdir, seconds),
        "restart": lambda _backend: _pulse_restart(workdir, restart_n),
    }
    peer_steps: dict[str, Callable[[Peer, str], Figures]] = {
        "burst": lambda peer, db: _run_app(peer, "burst", db, count=burst_n),
        "lag": lambda peer, db: _run_app(peer, "lag", db, count=lag_n),
        "create": lambda peer, db: _run_app(peer, "create", db, seconds=seconds),
        "restart": lambda peer, db: _restart_app(peer, db, restart_n),
    }
    figures: list[Figure] = []
    for workload in ("burst", "lag", "create", "restart"):
        backends = ["sqlite", "postgresql"] if workload in ("burst", "lag") and reachable else []
        pulse = {b: pulse_steps[workload](b) for b in backends or ["sqlite"]}
        for backend, found in pulse.items():
            name = "Pulse-SQLite" if backend == "sqlite" else "Pulse-PG"
            figures += _figures(workload, name, found)
            say(f"{workload}: {name} {_brief(found)}")
        for peer in usable:
            if workload == "restart" and not peer.restarts:
                say(f"{workload}: {peer.name} left out (see bench/README.md)")
                continue
            with _database(peer.backend, workdir, f"{peer.venv}-{workload}") as db:
                try:
                    found = peer_steps[workload](peer, db)
                except RuntimeError as exc:
                    say(f"{workload}: {peer.name} failed: {exc}")
                    continue
            say(f"{workload}: {peer.name} {_brief(found)}")
            figures += _figures(workload, peer.name, found)
            ours = pulse.get(peer.backend, pulse["sqlite"])
            figures += _ratios(workload, ours, peer.name, found)
    return figures


def _brief(found: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v:,.1f}" for k, v in found.items() if isinstance(v, int | float))
