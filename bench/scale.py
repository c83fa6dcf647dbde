"""(e) 100,000 active tasks: restart time to /ready (target < 0.5 s) next to the same restart
with no task at all (the floor: starting Python and importing the web stack), memory of the
server's process tree (target < 120 MB), and the due → start lag with them present."""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

from bench.common import Figure, Target, create_batches, echo_task, say, utc_in
from bench.lag import measure_lag
from bench.server import PulseServer

RESTARTS = 3
"""Restarts per database; the figure is their median."""


def daily_tasks(count: int) -> list[dict[str, Any]]:
    """Daily cron tasks spread over the day, none due within the next hour."""
    rng = random.Random(7)
    now = utc_in(0)
    start = now.hour * 60 + now.minute + 60
    tasks = []
    for _ in range(count):
        minute_of_day = (start + rng.randrange(22 * 60)) % (24 * 60)
        hour, minute = divmod(minute_of_day, 60)
        tasks.append(echo_task(f"{minute} {hour} * * *"))
    return tasks


def restarts(server: PulseServer) -> float:
    """The median of :data:`RESTARTS` stop → start → ``/ready`` of ``server`` (left running)."""
    times = []
    for _ in range(RESTARTS):
        server.stop()
        times.append(server.start().started_in)
    return sorted(times)[len(times) // 2]


def run(workdir: Path, *, quick: bool) -> list[Figure]:
    count = 10_000 if quick else 100_000
    (workdir / "empty").mkdir()
    empty = PulseServer(workdir / "empty").start()
    try:
        floor = restarts(empty)
    finally:
        empty.stop()
    server = PulseServer(workdir)
    server.start()
    try:
        tasks = daily_tasks(count)
        began = time.perf_counter()
        create_batches(server, tasks)
        say(f"{count} daily tasks created in {time.perf_counter() - began:.1f} s")
        startup = restarts(server)
        say(f"restarted with {count} active tasks (median of {RESTARTS})")
        time.sleep(1.0)  # let start-up work (recovery, first claims) settle
        rss_idle = server.rss_bytes()
        figures = [
            Figure("scale", f"restart → /ready, {count:,} tasks", startup, "s", Target("<=", 0.5)),
            Figure("scale", "restart → /ready, no task (the floor)", floor, "s"),
            Figure(
                "scale", "RSS of server + workers, idle", rss_idle / 2**20, "MB", Target("<=", 120)
            ),
        ]
        figures += measure_lag("scale", server, count=200 if quick else 2_000, lead=3.0)
        figures.append(
            Figure(
                "scale",
                "RSS of server + workers, after the lag run",
                server.rss_bytes() / 2**20,
                "MB",
            )
        )
        return figures
    finally:
        server.stop()
