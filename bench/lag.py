"""(c) Due → start lag at a steady 100 fires/s (target p50 ≤ 2 ms, p99 ≤ 20 ms, to the claim's
commit)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bench.common import (
    Figure,
    Target,
    create_batches,
    db_time,
    echo_task,
    histogram,
    histogram_quantile,
    iso,
    say,
    utc_in,
    wait_for_successes,
)
from bench.server import PulseServer
from tests.support.waiting import percentile

SPACING = timedelta(milliseconds=10)  # 100 fires per second
LAG_METRIC = "pulse_run_start_lag_seconds"
"""The server's own due → claim-committed histogram (stamped after the claim's commit)."""
NAME = "bench-lag"


def measure_lag(scenario: str, server: PulseServer, *, count: int, lead: float) -> list[Figure]:
    """Fire ``count`` one-off runs 10 ms apart from ``lead`` seconds ahead; their start lag."""
    lag_before = histogram(server, LAG_METRIC)
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
    lag_after = histogram(server, LAG_METRIC)

    def committed(q: float) -> float:
        return histogram_quantile(lag_before, lag_after, q) * 1000

    return [
        Figure(scenario, "due → claim committed p50", committed(0.5), "ms", Target("<=", 2)),
        Figure(scenario, "due → claim committed p99", committed(0.99), "ms", Target("<=", 20)),
        Figure(scenario, "due → claim began (started_at) p50", percentile(lags, 50), "ms"),
        Figure(scenario, "due → claim began (started_at) p95", percentile(lags, 95), "ms"),
        Figure(scenario, "due → claim began (started_at) p99", percentile(lags, 99), "ms"),
        Figure(scenario, "due → claim began (started_at) max", max(lags), "ms"),
    ]


def run(workdir: Path, *, quick: bool) -> list[Figure]:
    server = PulseServer(workdir)
    server.start()
    try:
        return measure_lag("lag", server, count=200 if quick else 2_000, lead=2.0)
    finally:
        server.stop()
