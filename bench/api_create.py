"""(d) Create throughput: 8 concurrent clients (target ≥ 1,000 tasks/s), and the batch endpoint
(target ≥ 10,000 tasks/s)."""

from __future__ import annotations

import asyncio
import time
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


def _batches(server: PulseServer, *, size: int, count: int) -> float:
    """Seconds to create ``count`` batches of ``size`` tasks, one request after the other."""
    body = orjson.dumps({"tasks": [echo_task(FAR_FUTURE)] * size})
    with httpx.Client(base_url=server.url, timeout=120) as http:
        began = time.perf_counter()
        for _ in range(count):
            http.post("/v1/tasks/batch", content=body, headers=JSON).raise_for_status()
        return time.perf_counter() - began


def run(workdir: Path, *, quick: bool) -> list[Figure]:
    server = PulseServer(workdir)
    server.start()
    try:
        created, seconds = asyncio.run(
            _one_by_one(server, seconds=1.0 if quick else 10.0, limit=2_000 if quick else 20_000)
        )
        say(f"{created} tasks by {CLIENTS} clients in {seconds:.2f} s")
        figures = [
            Figure(
                "api_create",
                f"POST /v1/tasks, {CLIENTS} clients",
                created / seconds,
                "tasks/s",
                Target(">=", 1_000),
            )
        ]
        for size, count in ((1_000, 2 if quick else 10), (10_000, 1 if quick else 5)):
            seconds = _batches(server, size=size, count=count)
            say(f"{count} batches of {size} in {seconds:.2f} s")
            figures.append(
                Figure(
                    "api_create",
                    f"POST /v1/tasks/batch of {size:,}",
                    size * count / seconds,
                    "tasks/s",
                    Target(">=", 10_000),
                )
            )
        return figures
    finally:
        server.stop()
