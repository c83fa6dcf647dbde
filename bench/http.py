"""(h) 1,000 `http` runs due at one instant, each a POST to a local HTTP server (keep-alive,
127.0.0.1): runs/s, and how many connections the burst opened (the pool is bounded by
PULSE_HTTP_MAX_CONNECTIONS)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.burst import measure_burst
from bench.common import Figure, say
from tests.support.http_target import HttpTarget


def run(workdir: Path, *, quick: bool) -> list[Figure]:
    count = 100 if quick else 1_000
    target = HttpTarget().start()

    def http_task(when: str) -> dict[str, Any]:
        return {
            "agent_id": "http",
            "entrypoint_tag": "request",
            "executor_type": "http",
            "when": when,
            "params": {"url": f"{target.url}/run", "body": {"n": 1}},
        }

    try:
        figures = measure_burst("http", workdir, count=count, make_task=http_task, target=None)
    finally:
        target.stop()
    keys = {request.headers.get("idempotency-key") for request in target.received}
    say(f"{len(target.received)} requests received, {len(keys)} distinct Idempotency-Keys")
    return [
        *figures,
        Figure("http", "requests received", len(target.received), ""),
        Figure("http", "TCP connections opened", target.connections, ""),
    ]
