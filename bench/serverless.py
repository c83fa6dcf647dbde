"""1,000 `serverless` runs of an agent served by a real `runagent serve` (runagent 0.1.49 in
`.cache/runagent-venv`), due at one instant: runs/s with at most PULSE_AGENT_MAX_IN_FLIGHT
(default 16) requests open at once; and, for scale, the same agent called directly (no Pulse)
with 16 requests in flight."""

from __future__ import annotations

import asyncio
import functools
import time
from pathlib import Path
from typing import Any

import httpx

from bench.burst import measure_burst
from bench.common import Figure, Skipped
from tests.support.runagent import RunagentServe, RunagentUnavailable, runagent_python

CACHE_DIR = Path(__file__).resolve().parent.parent / ".cache"


def served_echo(serve: RunagentServe, when: str) -> dict[str, Any]:
    return {
        "agent_id": serve.agent_id,
        "entrypoint_tag": "greet",
        "executor_type": "serverless",
        "agent_host": serve.host,
        "agent_port": serve.port,
        "when": when,
        "params": {"name": "bench"},
    }


async def _direct(serve: RunagentServe, count: int, in_flight: int = 16) -> float:
    """runs/s of ``count`` calls straight to ``runagent serve``, ``in_flight`` at a time."""
    url = f"{serve.base_url}/api/v1/agents/{serve.agent_id}/run"
    body = {"entrypoint_tag": "greet", "input_args": [], "input_kwargs": {"name": "bench"}}
    slots = asyncio.Semaphore(in_flight)
    async with httpx.AsyncClient(timeout=120) as http:

        async def one() -> None:
            async with slots:
                (await http.post(url, json=body)).raise_for_status()

        began = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(count)))
        return count / (time.perf_counter() - began)


def run(workdir: Path, *, quick: bool) -> list[Figure]:
    try:
        python = runagent_python(CACHE_DIR)
    except RunagentUnavailable as exc:
        raise Skipped(f"cannot build the runagent environment: {exc}") from exc
    (workdir / "pulse").mkdir()
    serve = RunagentServe(python, workdir / "runagent").start()
    try:
        figures = measure_burst(
            "serverless",
            workdir / "pulse",
            count=100 if quick else 1_000,
            make_task=functools.partial(served_echo, serve),
            target=None,
            env={"ENABLE_SERVERLESS_INTEGRATION": "true"},
        )
        direct = asyncio.run(_direct(serve, 50 if quick else 200))
        return [
            *figures,
            Figure("serverless", "runagent serve alone, 16 in flight", direct, "runs/s"),
        ]
    finally:
        serve.stop()
