"""(f) PostgreSQL: 10,000 `echo` runs due at once, run by 1, 2 and 3 `pulse worker` processes;
the same burst on SQLite (one `pulse serve`); the due → start lag at 100 fires/s."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import psutil

from bench.burst import measure_burst
from bench.common import Figure, Skipped, echo_task, folder, say
from bench.lag import measure_lag
from bench.server import PulseServer
from tests.support import postgres


class Sampler:
    """Samples, every 50 ms while a burst runs, what the database's sessions are doing
    (``pg_stat_activity``: on CPU, or waiting and on what) and how busy the machine is."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self.states: Counter[str] = Counter()

    def __enter__(self) -> Sampler:
        psutil.cpu_percent()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.busy = psutil.cpu_percent()
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        query = (
            "SELECT coalesce(wait_event_type || ':' || wait_event, 'on CPU') FROM pg_stat_activity "
            "WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()"
        )
        while not self._stop.wait(0.05):
            self.states.update(row[0] for row in postgres.pg_query(self._url, query))

    def summary(self) -> str:
        total = sum(self.states.values()) or 1
        top = ", ".join(f"{what} {n / total:.0%}" for what, n in self.states.most_common(5))
        return f"machine CPU {self.busy:.0f}% busy; active database sessions: {top or 'none seen'}"


def _database_stats(url: str) -> str:
    """Transactions committed and rows written in the database so far (what the run cost)."""
    ((commits, inserted, updated),) = postgres.pg_query(
        url,
        "SELECT xact_commit, tup_inserted, tup_updated FROM pg_stat_database "
        "WHERE datname = current_database()",
    )
    return f"{commits:,} commits, {inserted:,} rows inserted, {updated:,} updated"


def run(workdir: Path, *, quick: bool) -> list[Figure]:
    server_url = postgres.postgres_server_url()
    if not postgres.postgres_reachable(server_url):
        raise Skipped("PostgreSQL is not reachable (start it or set PULSE_TEST_POSTGRES_URL)")
    count = 1_000 if quick else 10_000
    figures: list[Figure] = []
    for workers in (1, 2, 3):
        with postgres.postgres_database(server_url) as url, Sampler(url) as sampler:
            figures += measure_burst(
                "postgres",
                folder(workdir, f"workers-{workers}"),
                count=count,
                make_task=echo_task,
                target=None,
                database_url=url,
                workers=workers,
                label=f"PostgreSQL, {workers} worker{'s' if workers > 1 else ''}",
            )
            say(_database_stats(url))
        say(sampler.summary())
    figures += measure_burst(
        "postgres",
        folder(workdir, "sqlite"),
        count=count,
        make_task=echo_task,
        target=None,
        label="SQLite, 1 serve",
    )
    with postgres.postgres_database(server_url) as url:
        server = PulseServer(folder(workdir, "lag"), database_url=url).start()
        try:
            lag = measure_lag("postgres", server, count=200 if quick else 2_000, lead=3.0)
        finally:
            server.stop()
    figures += [Figure(f.scenario, f"{f.name}, PostgreSQL, 1 serve", f.value, f.unit) for f in lag]
    return figures
