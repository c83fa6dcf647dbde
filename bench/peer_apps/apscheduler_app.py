"""APScheduler 3.11 under the bench's workloads (run with ``.cache/peers/apscheduler-venv``).

Settings: ``BackgroundScheduler`` with a pool of 20 threads (measured faster than
``AsyncIOScheduler`` here: its job store calls block the loop either way), one
``SQLAlchemyJobStore`` on a SQLite file in WAL mode with ``synchronous=NORMAL`` (Pulse's own
SQLite settings: the same durability; APScheduler's default journal waits for the disk at every
job it stores or removes), ``misfire_grace_time=None`` (a late job still runs),
``coalesce=False``. APScheduler stores jobs, not outcomes: a run "ends" when its function
returned (``EVENT_JOB_EXECUTED``), and it starts its function before it updates the job store.
"""

from __future__ import annotations

import pickle
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.executors.pool import ThreadPoolExecutor as JobThreads
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from common import LAG_SPACING, arguments, check_margin, lag_figures, progress, ready, report

STARTS: dict[str, float] = {}


def echo(job_id: str) -> str:
    STARTS[job_id] = time.time()
    return job_id


def store(url: str) -> SQLAlchemyJobStore:
    engine = sa.create_engine(url)

    @sa.event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")

    return SQLAlchemyJobStore(engine=engine)


def scheduler(url: str) -> BackgroundScheduler:
    return BackgroundScheduler(
        jobstores={"default": store(url)},
        executors={"default": JobThreads(20)},
        job_defaults={"misfire_grace_time": None, "coalesce": False, "max_instances": 1},
        timezone=UTC,
    )


def add_one_offs(sched: BackgroundScheduler, dues: list[float]) -> None:
    for i, due in enumerate(dues):
        run_date = datetime.fromtimestamp(due, UTC)
        sched.add_job(echo, "date", run_date=run_date, args=[str(i)], id=str(i))


def wait_until(condition: Any, interval: float) -> None:
    while not condition():
        time.sleep(interval)


def burst(url: str, count: int) -> None:
    sched = scheduler(url)
    done: list[float] = []
    sched.add_listener(
        lambda _event: done.append(time.time()), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR
    )
    sched.start(paused=True)
    due = time.time() + 2.0 + count / 250  # measured: ~700-3,000 adds/s
    began = time.time()
    add_one_offs(sched, [due] * count)
    margin = check_margin(due, count)
    progress(f"{count} jobs added in {time.time() - began:.1f} s, due in {margin:.1f} s")
    sched.resume()
    wait_until(lambda: len(done) >= count, 0.01)
    last = max(done) - due
    report(runs_per_s=count / last, last_s=last, first_ms=(min(STARTS.values()) - due) * 1000)
    sched.shutdown(wait=False)


def lag(url: str, count: int) -> None:
    sched = scheduler(url)
    sched.start(paused=True)
    first = time.time() + 2.0 + count / 250
    dues = [first + i * LAG_SPACING for i in range(count)]
    add_one_offs(sched, dues)
    check_margin(first, count)
    sched.resume()
    wait_until(lambda: len(STARTS) >= count, 0.05)
    report(**lag_figures([(STARTS[str(i)] - due) * 1000 for i, due in enumerate(dues)]))
    sched.shutdown(wait=False)


def create(url: str, seconds: float) -> None:
    """8 threads call ``add_job`` for ``seconds`` (jobs due far in the future)."""
    sched = scheduler(url)
    sched.start()
    far = datetime(2099, 1, 1, tzinfo=UTC)
    deadline = time.perf_counter() + seconds
    counts = [0] * 8
    lock = threading.Lock()

    def client(slot: int) -> None:
        while time.perf_counter() < deadline:
            with lock:
                job_id = f"{slot}-{counts[slot]}"
                counts[slot] += 1
            sched.add_job(echo, "date", run_date=far, args=[job_id], id=job_id)

    began = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(client, range(8)))
    report(creates_per_s=sum(counts) / (time.perf_counter() - began), batch_per_s=None)
    sched.shutdown(wait=False)


def prepare(url: str, count: int) -> None:
    """``count`` daily cron jobs, none due within the hour, written straight into the job
    store's table as its own ``add_job`` would write them (one by one takes minutes)."""
    jobs = store(url)
    jobs.start(None, "default")  # type: ignore[arg-type]
    rng = random.Random(7)
    now = datetime.now(UTC)
    sched = scheduler(url)
    rows = []
    for i in range(count):
        minute_of_day = (now.hour * 60 + now.minute + 60 + rng.randrange(22 * 60)) % (24 * 60)
        hour, minute = divmod(minute_of_day, 60)
        trigger = CronTrigger(hour=hour, minute=minute, timezone=UTC)
        job = Job(
            sched,
            id=str(i),
            func=echo,
            trigger=trigger,
            executor="default",
            args=[str(i)],
            kwargs={},
            name="echo",
            misfire_grace_time=None,
            coalesce=False,
            max_instances=1,
            next_run_time=trigger.get_next_fire_time(None, now),
        )
        state = pickle.dumps(job.__getstate__(), pickle.HIGHEST_PROTOCOL)
        rows.append(
            {"id": job.id, "next_run_time": job.next_run_time.timestamp(), "job_state": state}
        )
    with jobs.engine.begin() as conn:
        conn.execute(jobs.jobs_t.insert(), rows)
        stored = conn.execute(sa.select(sa.func.count()).select_from(jobs.jobs_t)).scalar()
    progress(f"{stored} jobs stored")


def serve(url: str) -> None:
    sched = scheduler(url)
    sched.start()
    ready()
    threading.Event().wait()


def main() -> None:
    args = arguments()
    url = f"sqlite:///{args.db}"
    {
        "burst": lambda: burst(url, args.count),
        "lag": lambda: lag(url, args.count),
        "create": lambda: create(url, args.seconds),
        "prepare": lambda: prepare(url, args.count),
        "serve": lambda: serve(url),
    }[args.workload]()


if __name__ == "__main__":
    main()
