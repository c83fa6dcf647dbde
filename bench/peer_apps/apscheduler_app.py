"""APScheduler 3.11 under the bench's workloads (run with ``.cache/peers/apscheduler-venv``).

Settings: ``AsyncIOScheduler`` (jobs are coroutines run on its loop: no thread per job), one
``SQLAlchemyJobStore`` on a SQLite file, ``misfire_grace_time=None`` (a late job still runs),
``coalesce=False``, ``max_instances`` high enough for every job to run at once. APScheduler
stores jobs, not outcomes: a run "ends" when its function returned (``EVENT_JOB_EXECUTED``).
"""

from __future__ import annotations

import asyncio
import pickle
import random
import time
from datetime import UTC, datetime

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from common import (
    LAG_SPACING,
    arguments,
    check_margin,
    lag_figures,
    progress,
    ready,
    report,
)

STARTS: dict[str, float] = {}


async def echo(job_id: str) -> str:
    STARTS[job_id] = time.time()
    return job_id


def scheduler(url: str) -> AsyncIOScheduler:
    return AsyncIOScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=url)},
        job_defaults={"misfire_grace_time": None, "coalesce": False, "max_instances": 100_000},
        timezone=UTC,
    )


def add_one_offs(sched: AsyncIOScheduler, dues: list[float]) -> None:
    for i, due in enumerate(dues):
        run_date = datetime.fromtimestamp(due, UTC)
        sched.add_job(echo, "date", run_date=run_date, args=[str(i)], id=str(i))


async def burst(url: str, count: int) -> None:
    sched = scheduler(url)
    done: list[float] = []
    sched.add_listener(lambda event: done.append(time.time()), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    sched.start(paused=True)
    due = time.time() + 2.0 + count / 250  # APScheduler adds ~350-500 jobs/s on SQLite
    began = time.time()
    add_one_offs(sched, [due] * count)
    created = time.time() - began
    margin = check_margin(due, count)
    progress(f"{count} jobs added in {created:.1f} s, due in {margin:.1f} s")
    sched.resume()
    while len(done) < count:
        await asyncio.sleep(0.01)
    last = max(done) - due
    report(runs_per_s=count / last, last_s=last, first_ms=(min(STARTS.values()) - due) * 1000)
    sched.shutdown(wait=False)


async def lag(url: str, count: int) -> None:
    sched = scheduler(url)
    sched.start(paused=True)
    first = time.time() + 2.0 + count / 250
    dues = [first + i * LAG_SPACING for i in range(count)]
    add_one_offs(sched, dues)
    check_margin(first, count)
    sched.resume()
    while len(STARTS) < count:
        await asyncio.sleep(0.05)
    report(**lag_figures([(STARTS[str(i)] - due) * 1000 for i, due in enumerate(dues)]))
    sched.shutdown(wait=False)


async def create(url: str, seconds: float) -> None:
    """``add_job`` one at a time for ``seconds`` (APScheduler serialises its job store writes
    under one lock, so more threads would only queue)."""
    sched = scheduler(url)
    sched.start()
    far = datetime(2099, 1, 1, tzinfo=UTC)
    added, deadline, began = 0, time.perf_counter() + seconds, time.perf_counter()
    while time.perf_counter() < deadline:
        sched.add_job(echo, "date", run_date=far, args=[str(added)], id=str(added))
        added += 1
    report(creates_per_s=added / (time.perf_counter() - began), batch_per_s=None)
    sched.shutdown(wait=False)


def prepare(url: str, count: int) -> None:
    """``count`` daily cron jobs, none due within the hour, written straight into the job
    store's table as its own ``add_job`` would write them (one by one takes minutes)."""
    import sqlalchemy as sa

    store = SQLAlchemyJobStore(url=url)
    store.start(None, "default")  # type: ignore[arg-type]
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
    with store.engine.begin() as conn:
        conn.execute(store.jobs_t.insert(), rows)
        stored = conn.execute(sa.select(sa.func.count()).select_from(store.jobs_t)).scalar()
    progress(f"{stored} jobs stored")


async def serve(url: str) -> None:
    sched = scheduler(url)
    sched.start()
    ready()
    await asyncio.Event().wait()


def main() -> None:
    args = arguments()
    url = f"sqlite:///{args.db}"
    if args.workload == "prepare":
        prepare(url, args.count)
        return
    work = {
        "burst": lambda: burst(url, args.count),
        "lag": lambda: lag(url, args.count),
        "create": lambda: create(url, args.seconds),
        "serve": lambda: serve(url),
    }[args.workload]
    asyncio.run(work())


if __name__ == "__main__":
    main()
