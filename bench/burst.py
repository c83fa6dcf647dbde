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
from bench.server import PulseServer, PulseWorker

MakeTask = Callable[[str], dict[str, Any]]


def measure_burst(
    scenario: str,
    workdir: Path,
    *,
    count: int,
    make_task: MakeTask,
    target: Target | None,
    env: dict[str, str] | None = None,
    database_url: str | None = None,
    workers: int = 0,
    label: str = "",
) -> list[Figure]:
    """Create ``count`` tasks due a few seconds ahead, all at one instant; runs/s after it.

    With ``workers``, that many ``pulse worker`` processes run the burst: the ``pulse serve``
    that created the tasks stops before they fall due.
    """
    server = PulseServer(workdir, env=env, database_url=database_url)
    server.start()
    nodes = [PulseWorker(server, f"worker-{i}").start() for i in range(workers)]
    try:
        # Lead time for creating the tasks first: at 1,000 creates/s, however slow the machine.
        due = utc_in(2.0 + count / 1_000 + (1.0 if workers else 0.0))
        began = time.perf_counter()
        create_batches(server, [make_task(iso(due)) for _ in range(count)])
        created = time.perf_counter() - began
        if workers:
            server.stop()
        margin = (due - utc_in(0)).total_seconds()
        if margin <= 0:
            raise RuntimeError(f"creating {count} tasks took {created:.1f} s, past their due time")
        say(f"{count} tasks created in {created:.2f} s, due in {margin:.2f} s")
        observed = wait_for_successes(server, count, bound=60 + count / 50)
        ((first_start, last_finish),) = server.rows(
            "SELECT min(started_at), max(finished_at) FROM runs WHERE status = 'success'"
        )
        span = (db_time(last_finish) - due).total_seconds()
        committed = observed - due.timestamp()
        say(f"all {count} committed {committed:.2f} s after the due instant (polled every 10 ms)")
        named = f", {label}" if label else ""
        return [
            Figure(
                scenario,
                f"runs/s ({count} due at once, by last commit{named})",
                count / committed,
                "runs/s",
                target,
            ),
            Figure(scenario, f"due → last outcome committed{named}", committed, "s"),
            Figure(scenario, f"due → last finished_at{named}", span, "s"),
            Figure(
                scenario,
                f"due → first started{named}",
                (db_time(first_start) - due).total_seconds() * 1000,
                "ms",
            ),
        ]
    finally:
        for node in nodes:
            node.stop()
        server.stop()
