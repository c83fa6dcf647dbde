"""procrastinate under the bench's workloads (run with ``.cache/peers/procrastinate-venv``), on
PostgreSQL (``--db`` is a ``postgresql://`` URL).

Settings: ``PsycopgConnector`` (a pool of 20 connections), jobs deferred with
``schedule_at``, one worker with ``concurrency=20``, ``listen_notify=True`` and
``fetch_job_polling_interval=0.05`` (the default 5 s would leave a job scheduled for a time
waiting up to 5 s: a notification is sent when a job is deferred, not when it falls due). A run
"ends" when its job's status is ``succeeded``.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta

import procrastinate
from common import (
    LAG_SPACING,
    arguments,
    check_margin,
    lag_figures,
    progress,
    ready,
    report,
)

STARTS: dict[int, float] = {}
FAR = datetime(2099, 1, 1, tzinfo=UTC)


def make_app(url: str) -> procrastinate.App:
    return procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=url, min_size=2, max_size=20)
    )


def register(app: procrastinate.App) -> procrastinate.tasks.Task:  # type: ignore[type-arg]
    @app.task(name="echo")
    async def echo(i: int) -> int:
        STARTS[i] = time.time()
        return i

    return echo


async def worker(app: procrastinate.App) -> asyncio.Task[None]:
    return asyncio.create_task(
        app.run_worker_async(
            concurrency=20,
            wait=True,
            listen_notify=True,
            fetch_job_polling_interval=0.05,
            install_signal_handlers=False,
        )
    )


async def defer_all(task: procrastinate.tasks.Task, dues: list[float]) -> None:  # type: ignore[type-arg]
    """One ``batch_defer_async`` per 1,000 jobs due at the same instant (a burst), else one
    ``defer_async`` each."""
    if len(set(dues)) == 1:
        at = datetime.fromtimestamp(dues[0], UTC)
        for start in range(0, len(dues), 1_000):
            kwargs = [{"i": i} for i in range(start, min(start + 1_000, len(dues)))]
            await task.configure(schedule_at=at).batch_defer_async(*kwargs)
        return
    for i, due in enumerate(dues):
        await task.configure(schedule_at=datetime.fromtimestamp(due, UTC)).defer_async(i=i)


async def succeeded(app: procrastinate.App) -> int:
    rows = await app.connector.execute_query_one_async(
        "SELECT count(*) AS n FROM procrastinate_jobs WHERE status = 'succeeded'"
    )
    return int(rows["n"])


async def burst(url: str, count: int) -> None:
    app = make_app(url)
    task = register(app)
    async with app.open_async():
        await app.schema_manager.apply_schema_async()
        due = time.time() + 2.0 + count / 1_000
        began = time.time()
        await defer_all(task, [due] * count)
        margin = check_margin(due, count)
        progress(f"{count} jobs deferred in {time.time() - began:.1f} s, due in {margin:.1f} s")
        running = await worker(app)
        while await succeeded(app) < count:
            await asyncio.sleep(0.01)
        last = time.time() - due
        report(runs_per_s=count / last, last_s=last, first_ms=(min(STARTS.values()) - due) * 1000)
        running.cancel()


async def lag(url: str, count: int) -> None:
    app = make_app(url)
    task = register(app)
    async with app.open_async():
        await app.schema_manager.apply_schema_async()
        running = await worker(app)
        first = time.time() + 2.0 + count / 300
        dues = [first + i * LAG_SPACING for i in range(count)]
        await defer_all(task, dues)
        check_margin(first, count)
        while len(STARTS) < count:
            await asyncio.sleep(0.05)
        report(**lag_figures([(STARTS[i] - due) * 1000 for i, due in enumerate(dues)]))
        running.cancel()


async def create(url: str, seconds: float) -> None:
    """8 concurrent ``defer_async`` for ``seconds``; then batches of 1,000 for ``seconds``."""
    app = make_app(url)
    task = register(app)
    async with app.open_async():
        await app.schema_manager.apply_schema_async()
        deadline = time.perf_counter() + seconds
        counts = [0] * 8
        far = task.configure(schedule_at=FAR)

        async def client(slot: int) -> None:
            while time.perf_counter() < deadline:
                await far.defer_async(i=slot)
                counts[slot] += 1

        began = time.perf_counter()
        await asyncio.gather(*(client(slot) for slot in range(8)))
        single = sum(counts) / (time.perf_counter() - began)
        batched, deadline, began = 0, time.perf_counter() + seconds, time.perf_counter()
        while time.perf_counter() < deadline:
            await far.batch_defer_async(*[{"i": i} for i in range(1_000)])
            batched += 1_000
        report(creates_per_s=single, batch_per_s=batched / (time.perf_counter() - began))


async def prepare(url: str, count: int) -> None:
    """``count`` jobs scheduled over the next day (procrastinate's periodic tasks are declared
    in code, one per schedule: 100,000 schedules are 100,000 future jobs)."""
    app = make_app(url)
    task = register(app)
    rng = random.Random(7)
    now = datetime.now(UTC)
    async with app.open_async():
        await app.schema_manager.apply_schema_async()
        for start in range(0, count, 1_000):
            at = now + timedelta(minutes=60 + rng.randrange(22 * 60))
            kwargs = [{"i": i} for i in range(start, min(start + 1_000, count))]
            await task.configure(schedule_at=at).batch_defer_async(*kwargs)
    progress(f"{count} jobs deferred")


async def serve(url: str) -> None:
    """Ready once the worker ran a job deferred for now (its ``run_worker_async`` never
    returns, so that is the first moment it is known to work)."""
    app = make_app(url)
    task = register(app)
    async with app.open_async():
        running = await worker(app)
        await task.defer_async(i=-1)
        while -1 not in STARTS:
            await asyncio.sleep(0.001)
        ready()
        await running


def main() -> None:
    args = arguments()
    work = {
        "burst": lambda: burst(args.db, args.count),
        "lag": lambda: lag(args.db, args.count),
        "create": lambda: create(args.db, args.seconds),
        "prepare": lambda: prepare(args.db, args.count),
        "serve": lambda: serve(args.db),
    }[args.workload]
    asyncio.run(work())


if __name__ == "__main__":
    main()
