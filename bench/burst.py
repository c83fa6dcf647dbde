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
    """Create ``count`` tasks all due at one instant after they exist; runs/s after it.

    The due instant leaves room for creating them at 1,000 tasks/s (500 on ``database_url``);
    on a machine slower than that (creation still going at the due instant), the measure starts
    again on a fresh SQLite file with three times the room, up to three times (on
    ``database_url``, which cannot be renewed here, it fails), so a figure never includes runs
    that fell due while others were still being created.

    With ``workers``, that many ``pulse worker`` processes run the burst: the ``pulse serve``
    that created the tasks stops before they fall due.
    """
    rate = 500 if database_url else 1_000
    lead = 2.0 + count / rate + (1.0 if workers else 0.0)
    for attempt in range(1, 2 if database_url else 4):
        tried = workdir / f"attempt-{attempt}"
        tried.mkdir(parents=True)
        figures = _burst_once(
            scenario,
            tried,
            count=count,
            make_task=make_task,
            target=target,
            env=env,
            database_url=database_url,
            workers=workers,
            label=label,
            lead=lead,
        )
        if figures is not None:
            return figures
        lead *= 3
        say(f"creating took longer than the lead: again with {lead:.0f} s")
    raise RuntimeError(f"creating {count} tasks overran their lead ({lead / 3:.0f} s at last)")


def _burst_once(
    scenario: str,
    workdir: Path,
    *,
    count: int,
    make_task: MakeTask,
    target: Target | None,
    env: dict[str, str] | None,
    database_url: str | None,
    workers: int,
    label: str,
    lead: float,
) -> list[Figure] | None:
    """One burst; None when creating the tasks was not done by their due instant."""
    server = PulseServer(workdir, env=env, database_url=database_url)
    server.start()
    nodes = [PulseWorker(server, f"worker-{i}").start() for i in range(workers)]
    try:
        due = utc_in(lead)
        began = time.perf_counter()
        create_batches(server, [make_task(iso(due)) for _ in range(count)])
        created = time.perf_counter() - began
        if workers:
            server.stop()
        margin = (due - utc_in(0)).total_seconds()
        if margin <= 0.2:
            return None
        say(f"{count} tasks created in {created:.2f} s, due {margin:.2f} s after")
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
