"""Group commit of task creation: concurrent create requests share one transaction."""

from __future__ import annotations

import asyncio
from datetime import datetime

from runagent_pulse.common.clock import Clock
from runagent_pulse.store import tasks as task_store
from runagent_pulse.store.database import Database
from runagent_pulse.store.sql import Row

Created = list[tuple[Row, bool]]
"""Per requested row: the stored task (the earlier one for a repeated idempotency key) and
whether it is new."""


async def insert_rows(db: Database, rows: list[Row], now: datetime) -> Created:
    """Insert ``rows`` in one transaction; a repeated ``idempotency_key`` returns the first task."""
    keys = [row["idempotency_key"] for row in rows if row["idempotency_key"]]
    async with db.write() as conn:
        existing = await task_store.find_by_idempotency_keys(conn, keys) if keys else {}
        fresh: list[Row] = []
        for row in rows:
            key = row["idempotency_key"]
            if key and key in existing:
                continue
            if key:
                existing[key] = row
            fresh.append(row)
        if fresh:
            await task_store.insert_tasks(conn, fresh, now=now)
    created: Created = []
    for row in rows:
        key = row["idempotency_key"]
        stored = existing[key] if key else row
        created.append((stored, stored is row))
    return created


class TaskInserter:
    """Queues the rows of concurrent requests and commits them together.

    While one transaction runs, new requests wait; the next transaction takes all of them. A
    failing shared transaction is retried request by request, so one request's error (say, a
    lost idempotency race) never fails another's.
    """

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._waiting: list[tuple[list[Row], asyncio.Future[Created]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def insert(self, rows: list[Row]) -> Created:
        future: asyncio.Future[Created] = asyncio.get_running_loop().create_future()
        self._waiting.append((rows, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain(), name="pulse-task-inserts")
        return await future

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                created = await insert_rows(
                    self._db, [row for rows, _ in batch for row in rows], self._clock.now()
                )
            except Exception:
                if len(batch) == 1:
                    await self._insert_alone(*batch[0])
                else:
                    for rows, future in batch:
                        await self._insert_alone(rows, future)
                continue
            start = 0
            for rows, future in batch:
                if not future.done():
                    future.set_result(created[start : start + len(rows)])
                start += len(rows)

    async def _insert_alone(self, rows: list[Row], future: asyncio.Future[Created]) -> None:
        try:
            created = await insert_rows(self._db, rows, self._clock.now())
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
        else:
            if not future.done():
                future.set_result(created)
