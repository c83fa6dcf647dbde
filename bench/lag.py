"""(c) Due → start lag at a steady 100 fires/s (target p50 ≤ 5 ms, p99 ≤ 50 ms)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bench.common import (
    Figure,
    Target,
    create_batches,
    db_time,
    echo_task,
    iso,
    say,
    utc_in,
    wait_for_successes,
)
from bench.server import PulseServer
from tests.support.waiting import percentile

SPACING = timedelta(milliseconds=10)  # 100 fires per second
NAME = "bench-lag"


def measure_lag(scenario: str, server: PulseServer, *, count: int, lead: float) -> list[Figure]:
    """Fire ``count`` one-off runs 10 ms apart from ``lead`` seconds ahead; their start lag."""
    first = utc_in(lead)
    create_batches(server, [echo_task(iso(first + i * SPACING), name=NAME) for i in range(count)])
    margin = (first - utc_in(0)).total_seconds()
    if margin <= 0:
        raise RuntimeError("creating the tasks took longer than the lead before the first fire")
    say(f"{count} fires, 10 ms apart, from {margin:.2f} s ahead")
    already = int(server.scalar("SELECT count(*) FROM runs WHERE status = 'success'"))
    wait_for_successes(server, already + count, bound=lead + count * 0.01 + 60, interval=0.2)
    rows = server.rows(
        "SELECT r.scheduled_for, r.started_at FROM runs r JOIN tasks t ON t.id = r.task_id "
        f"WHERE t.name = '{NAME}' AND r.status = 'success'"
    )
    lags = [(db_time(started) - db_time(due)).total_seconds() * 1000 for due, started in rows]
    return [
        Figure(scenario, "due → start lag p50", percentile(lags, 50), "ms", Target("<=", 5)),
        Figure(scenario, "due → start lag p95", percentile(lags, 95), "ms"),
        Figure(scenario, "due → start lag p99", percentile(lags, 99), "ms", Target("<=", 50)),
        Figure(scenario, "due → start lag max", max(lags), "ms"),
    ]


def run(workdir: Path, *, quick: bool) -> list[Figure]:
    server = PulseServer(workdir)
    server.start()
    try:
        return measure_lag("lag", server, count=200 if quick else 2_000, lead=2.0)
    finally:
        server.stop()
