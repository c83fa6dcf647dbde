"""(f) PostgreSQL: 10,000 `echo` runs due at once, run by 1, 2 and 3 `pulse worker` processes;
the same burst on SQLite (one `pulse serve`); the due → start lag at 100 fires/s."""

from __future__ import annotations

from pathlib import Path

from bench.burst import measure_burst
from bench.common import Figure, Skipped, echo_task, say
from bench.lag import measure_lag
from bench.server import PulseServer
from runagent_pulse import testing


def _database_stats(url: str) -> str:
    """Transactions committed and rows written in the database so far (what the run cost)."""
    ((commits, inserted, updated),) = testing.pg_query(
        url,
        "SELECT xact_commit, tup_inserted, tup_updated FROM pg_stat_database "
        "WHERE datname = current_database()",
    )
    return f"{commits:,} commits, {inserted:,} rows inserted, {updated:,} updated"


def _folder(workdir: Path, name: str) -> Path:
    folder = workdir / name
    folder.mkdir()
    return folder


def run(workdir: Path, *, quick: bool) -> list[Figure]:
    server_url = testing.postgres_server_url()
    if not testing.postgres_reachable(server_url):
        raise Skipped("PostgreSQL is not reachable (start it or set PULSE_TEST_POSTGRES_URL)")
    count = 1_000 if quick else 10_000
    figures: list[Figure] = []
    for workers in (1, 2, 3):
        with testing.postgres_database(server_url) as url:
            figures += measure_burst(
                "postgres",
                _folder(workdir, f"workers-{workers}"),
                count=count,
                make_task=echo_task,
                target=None,
                database_url=url,
                workers=workers,
                label=f"PostgreSQL, {workers} worker{'s' if workers > 1 else ''}",
            )
            say(_database_stats(url))
    figures += measure_burst(
        "postgres",
        _folder(workdir, "sqlite"),
        count=count,
        make_task=echo_task,
        target=None,
        label="SQLite, 1 serve",
    )
    with testing.postgres_database(server_url) as url:
        server = PulseServer(_folder(workdir, "lag"), database_url=url).start()
        try:
            lag = measure_lag("postgres", server, count=200 if quick else 2_000, lead=3.0)
        finally:
            server.stop()
    figures += [Figure(f.scenario, f"{f.name}, PostgreSQL, 1 serve", f.value, f.unit) for f in lag]
    return figures
