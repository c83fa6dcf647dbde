"""(d) Create throughput: ``POST /v1/tasks`` driven by ``wrk`` (a C load generator, so the
client does not take the Python cores; target ≥ 2,000 tasks/s), the same by 8 asyncio + httpx
clients for comparison, and the batch endpoint (target ≥ 30,000 tasks/s)."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import orjson

from bench.common import FAR_FUTURE, Figure, Target, echo_task, say
from bench.server import PulseServer

CLIENTS = 8
JSON = {"content-type": "application/json"}


async def _one_by_one(server: PulseServer, *, seconds: float, limit: int) -> tuple[int, float]:
    """``CLIENTS`` clients each POST one task at a time until ``seconds`` or ``limit`` tasks."""
    body = orjson.dumps(echo_task(FAR_FUTURE))
    created = 0
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal created
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            while created < limit and time.perf_counter() < deadline:
                created += 1
                (await http.post("/v1/tasks", content=body, headers=JSON)).raise_for_status()

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return created, time.perf_counter() - began


def _distinct_times(size: int) -> list[str]:
    """``size`` different instants, a second apart, from :data:`FAR_FUTURE` on."""
    start = datetime.fromisoformat(FAR_FUTURE)
    return [(start + timedelta(seconds=n)).isoformat() for n in range(size)]


def batches(server: PulseServer, *, size: int, count: int, distinct: bool = False) -> float:
    """Seconds to create ``count`` batches of ``size`` tasks, one request after the other:
    all due at :data:`FAR_FUTURE`, or (``distinct``) each at its own instant, so the server
    reads each ``when`` on its own (it reads a ``when`` shared by a batch's tasks once)."""
    times = _distinct_times(size) if distinct else [FAR_FUTURE] * size
    body = orjson.dumps({"tasks": [echo_task(when) for when in times]})
    with httpx.Client(base_url=server.url, timeout=120) as http:
        began = time.perf_counter()
        for _ in range(count):
            http.post("/v1/tasks/batch", content=body, headers=JSON).raise_for_status()
        return time.perf_counter() - began


WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = [[{body}]]
wrk.headers["Content-Type"] = "application/json"
"""


def _read(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    if found is None:
        raise RuntimeError(f"wrk printed no {pattern!r}:\n{text}")
    return float(found.group(1))


def wrk(server: PulseServer, workdir: Path, *, seconds: float) -> Figure | None:
    """``POST /v1/tasks`` by wrk (2 threads, 32 connections); None when wrk is not installed.

    Every answer must be a 2xx and the database must hold as many tasks as wrk saw answered."""
    wrk = shutil.which("wrk")
    if wrk is None:
        say("wrk is not installed (apt install wrk): no wrk figure")
        return None
    script = workdir / "post.lua"
    script.write_text(WRK_SCRIPT.format(body=orjson.dumps(echo_task(FAR_FUTURE)).decode()))
    before = int(server.scalar("SELECT count(*) FROM tasks"))
    done = subprocess.run(
        [wrk, "-t2", "-c32", f"-d{seconds:g}s", "-s", str(script), f"{server.url}/v1/tasks"],
        capture_output=True,
        text=True,
        check=True,
    )
    answered = int(_read(r"(\d+) requests in", done.stdout))
    rate = _read(r"Requests/sec:\s+([\d.]+)", done.stdout)
    if "Non-2xx" in done.stdout or "Socket errors" in done.stdout:
        raise RuntimeError(f"wrk saw errors:\n{done.stdout}")
    stored = int(server.scalar("SELECT count(*) FROM tasks")) - before
    if stored < answered:
        raise RuntimeError(f"wrk saw {answered} tasks created, the database holds {stored}")
    say(f"wrk: {answered} tasks created in {seconds:g} s, {stored} stored")
    return Figure(
        "api_create", "POST /v1/tasks, wrk, 32 connections", rate, "tasks/s", Target(">=", 2_000)
    )


def run(workdir: Path, *, quick: bool) -> list[Figure]:
    server = PulseServer(workdir)
    server.start()
    try:
        by_wrk = wrk(server, workdir, seconds=2.0 if quick else 10.0)
        created, seconds = asyncio.run(
            _one_by_one(server, seconds=1.0 if quick else 10.0, limit=2_000 if quick else 20_000)
        )
        say(f"{created} tasks by {CLIENTS} clients in {seconds:.2f} s")
        figures = [by_wrk] if by_wrk else []
        figures.append(
            Figure(
                "api_create",
                f"POST /v1/tasks, {CLIENTS} httpx clients on the same cores",
                created / seconds,
                "tasks/s",
            )
        )
        steps = ((1_000, 2 if quick else 10, False), (10_000, 1 if quick else 5, False))
        for size, count, distinct in (*steps, (10_000, 1 if quick else 5, True)):
            seconds = batches(server, size=size, count=count, distinct=distinct)
            label = f"POST /v1/tasks/batch of {size:,}{', each its own when' if distinct else ''}"
            say(f"{label}: {count} in {seconds:.2f} s")
            figures.append(
                Figure("api_create", label, size * count / seconds, "tasks/s", Target(">=", 30_000))
            )
        return figures
    finally:
        server.stop()
