"""(f) 10,000 `echo` runs whose results are POSTed to a local `pulse webhook-handler`:
deliveries/s and the time until the last result file is written."""

from __future__ import annotations

import importlib.util
import os
from datetime import UTC, datetime
from pathlib import Path

from bench.common import (
    Figure,
    Skipped,
    create_batches,
    db_time,
    echo_task,
    iso,
    say,
    utc_in,
    wait_for,
    wait_for_successes,
)
from bench.server import PulseServer, WebhookHandler
from tests.support.waiting import percentile


def _result_files(folder: Path) -> list[os.DirEntry[str]]:
    """The handler's ``<task_id>.json`` files (the latest payload of each task)."""
    with os.scandir(folder) as entries:
        return [e for e in entries if e.name.endswith(".json") and not e.name.startswith(".")]


def run(workdir: Path, *, quick: bool) -> list[Figure]:
    if importlib.util.find_spec("runagent_pulse.delivery.outbox") is None:
        raise Skipped("the callback outbox (runagent_pulse.delivery.outbox) is not there yet")
    from runagent_pulse.delivery import generate_secret

    count = 1_000 if quick else 10_000
    secret = {"PULSE_WEBHOOK_SECRET": generate_secret()}
    results = workdir / "webhook-results"
    handler = WebhookHandler(results, env=secret)
    server = PulseServer(workdir, env=secret)
    handler.start()
    try:
        server.start()
        due = utc_in(2.0 + count / 5_000)
        callback = handler.url
        create_batches(server, [echo_task(iso(due), callback_url=callback)] * count)
        margin = (due - utc_in(0)).total_seconds()
        say(f"{count} tasks with callbacks created, due in {margin:.2f} s")
        wait_for_successes(server, count, bound=60 + count / 50)
        try:
            wait_for(lambda: bool(_result_files(results)), bound=15, what="a first callback")
        except TimeoutError:
            raise RuntimeError(
                "runs ended but no callback reached the webhook handler within 15 s"
            ) from None
        wait_for(
            lambda: len(_result_files(results)) >= count,
            bound=60 + count / 20,
            what=f"{count} result files",
            interval=0.1,
        )
        written = {
            e.name.removesuffix(".json"): datetime.fromtimestamp(e.stat().st_mtime, UTC)
            for e in _result_files(results)
        }
        with server.sql() as conn:
            finished = dict(conn.execute("SELECT task_id, finished_at FROM runs").fetchall())
        latency = [
            (stamp - db_time(finished[task])).total_seconds() * 1000
            for task, stamp in written.items()
        ]
        span = (max(written.values()) - due).total_seconds()
        return [
            Figure("callbacks", f"deliveries/s ({count} runs due at once)", count / span, "/s"),
            Figure("callbacks", "due → last result file", span, "s"),
            Figure("callbacks", "run finished → result file p50", percentile(latency, 50), "ms"),
            Figure("callbacks", "run finished → result file p99", percentile(latency, 99), "ms"),
        ]
    finally:
        server.stop()
        handler.stop()
