"""Many one-off runs due at the same instant: how fast are they all recorded?"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import (
    Figure,
    Target,
    create_batches,
    db_time,
    iso,
    say,
    utc_in,
    wait_for_successes,
)
from bench.server import PulseServer

MakeTask = Callable[[str], dict[str, Any]]


def measure_burst(
    scenario: str,
    workdir: Path,
    *,
    count: int,
    make_task: MakeTask,
    target: Target | None,
    env: dict[str, str] | None = None,
) -> list[Figure]:
    """Create ``count`` tasks due a few seconds ahead, all at one instant; runs/s after it."""
    server = PulseServer(workdir, env=env)
    server.start()
    try:
        due = utc_in(2.0 + count / 5_000)
        began = time.perf_counter()
        create_batches(server, [make_task(iso(due)) for _ in range(count)])
        created = time.perf_counter() - began
        margin = (due - utc_in(0)).total_seconds()
        if margin <= 0:
            raise RuntimeError(f"creating {count} tasks took {created:.1f} s, past their due time")
        say(f"{count} tasks created in {created:.2f} s, due in {margin:.2f} s")
        observed = wait_for_successes(server, count, bound=60 + count / 50)
        with server.sql() as conn:
            first_start, last_finish = conn.execute(
                "SELECT min(started_at), max(finished_at) FROM runs WHERE status = 'success'"
            ).fetchone()
        span = (db_time(last_finish) - due).total_seconds()
        say(f"all {count} recorded {observed - due.timestamp():.2f} s after the due instant")
        return [
            Figure(scenario, f"runs/s ({count} due at once)", count / span, "runs/s", target),
            Figure(scenario, "due → last finished", span, "s"),
            Figure(
                scenario,
                "due → first started",
                (db_time(first_start) - due).total_seconds() * 1000,
                "ms",
            ),
        ]
    finally:
        server.stop()
