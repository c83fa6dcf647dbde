"""DBOS under the bench's workloads (run with ``.cache/peers/dbos-venv``), on SQLite or
PostgreSQL (``--db`` is its system database URL, or a file for SQLite).

Settings: one ``Queue`` (``worker_concurrency=100``, ``polling_interval_sec=0.05`` instead of
the default 1 s, so a delayed workflow is picked up within ~50 ms of its time), workflows
enqueued with ``SetEnqueueOptions(delay_seconds=…)`` (DBOS's way of running one at a given
time), each a workflow with one step that echoes. A run "ends" when its workflow's status is
``SUCCESS`` in the system database.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from common import LAG_SPACING, arguments, check_margin, lag_figures, progress, report
from dbos import DBOS, DBOSConfig, Queue, SetEnqueueOptions

QUEUES: list[Queue] = []
STARTS: dict[int, float] = {}


@DBOS.step()
def echo_step(i: int) -> int:
    STARTS[i] = time.time()
    return i


@DBOS.workflow()
def echo(i: int) -> int:
    return echo_step(i)


def launch(url: str) -> None:
    config: DBOSConfig = {"name": "pulse-bench", "system_database_url": url, "log_level": "WARNING"}
    DBOS(config=config)
    DBOS.launch()
    QUEUES.append(DBOS.register_queue("bench", worker_concurrency=100, polling_interval_sec=0.05))


def enqueue_at(i: int, due: float) -> None:
    with SetEnqueueOptions(delay_seconds=max(due - time.time(), 0.0)):
        QUEUES[0].enqueue(echo, i)


def succeeded(engine: sa.Engine, url: str) -> int:
    """Workflows whose status is ``SUCCESS`` in the system database."""
    table = "workflow_status" if url.startswith("sqlite") else "dbos.workflow_status"
    with engine.connect() as conn:
        query = sa.text(f"SELECT count(*) FROM {table} WHERE status = 'SUCCESS'")
        return int(conn.execute(query).scalar() or 0)


def burst(url: str, count: int) -> None:
    launch(url)
    due = time.time() + 2.0 + count / 150  # DBOS enqueues ~250-500 workflows/s
    began = time.time()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: enqueue_at(i, due), range(count)))
    margin = check_margin(due, count)
    progress(f"{count} workflows enqueued in {time.time() - began:.1f} s, due in {margin:.1f} s")
    engine = sa.create_engine(url)
    while succeeded(engine, url) < count:
        time.sleep(0.01)
    last = time.time() - due
    report(runs_per_s=count / last, last_s=last, first_ms=(min(STARTS.values()) - due) * 1000)


def lag(url: str, count: int) -> None:
    launch(url)
    first = time.time() + 2.0 + count / 150
    dues = [first + i * LAG_SPACING for i in range(count)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda pair: enqueue_at(*pair), enumerate(dues)))
    check_margin(first, count)
    while len(STARTS) < count:
        time.sleep(0.05)
    report(**lag_figures([(STARTS[i] - due) * 1000 for i, due in enumerate(dues)]))


def create(url: str, seconds: float) -> None:
    """8 threads enqueue workflows delayed far into the future for ``seconds``."""
    launch(url)
    deadline = time.perf_counter() + seconds
    counts = [0] * 8
    lock = threading.Lock()

    def client(slot: int) -> None:
        while time.perf_counter() < deadline:
            with SetEnqueueOptions(delay_seconds=365 * 86400):
                QUEUES[0].enqueue(echo, slot)
            with lock:
                counts[slot] += 1

    began = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(client, range(8)))
    report(creates_per_s=sum(counts) / (time.perf_counter() - began), batch_per_s=None)


def main() -> None:
    args = arguments()
    url = args.db if "://" in args.db else f"sqlite:///{args.db}"  # a file: SQLite
    work = {
        "burst": lambda: burst(url, args.count),
        "lag": lambda: lag(url, args.count),
        "create": lambda: create(url, args.seconds),
    }.get(args.workload)
    if work is None:
        raise SystemExit(f"dbos: no {args.workload} workload (see bench/README.md)")
    work()
    DBOS.destroy(workflow_completion_timeout_sec=0)


if __name__ == "__main__":
    main()
