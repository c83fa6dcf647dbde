"""(f) The dashboard with 100,000 tasks: server time of the schedules page's first page (50
rows: the page query, each task's newest ended run, the next fires, the HTML), target < 300 ms;
and of a text search, a filter and the live fragment."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from bench.common import Figure, Target, create_batches, say
from bench.scale import daily_tasks
from bench.server import PulseServer
from tests.support.waiting import percentile

PAGES = {
    "schedules page, first 50 rows": ("/ui/tasks", Target("<=", 300)),
    "text search (scans every name)": ("/ui/tasks?q=no-such-name", None),
    "filter by executor and agent": ("/ui/tasks?executor=echo&agent=bench", None),
    "live fragment of the first page": ("/ui/live/tasks", None),
}


def _timings(client: httpx.Client, path: str, count: int) -> list[float]:
    """Milliseconds from request to the last byte of ``count`` GETs (after one warm-up)."""
    client.get(path).raise_for_status()
    found = []
    for _ in range(count):
        began = time.perf_counter()
        response = client.get(path)
        response.raise_for_status()
        found.append((time.perf_counter() - began) * 1000)
    return found


def run(workdir: Path, *, quick: bool) -> list[Figure]:
    count = 10_000 if quick else 100_000
    server = PulseServer(workdir)
    server.start()
    try:
        began = time.perf_counter()
        create_batches(server, daily_tasks(count))
        say(f"{count:,} daily tasks created in {time.perf_counter() - began:.1f} s")
        figures = []
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for name, (path, target) in PAGES.items():
                timings = _timings(client, path, 5 if quick else 20)
                rows = client.get(path).text.count("data-task=")
                say(f"{path}: {rows} rows")
                figures.append(
                    Figure("dashboard", f"{name}, p50", percentile(timings, 50), "ms", target)
                )
                figures.append(
                    Figure("dashboard", f"{name}, p95", percentile(timings, 95), "ms", target)
                )
        return figures
    finally:
        server.stop()
