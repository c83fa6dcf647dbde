"""The delivery outbox: written with each run's final state, sent in the background.

:meth:`Deliverer.after_record` runs inside the engine's completion transaction and adds one
pending delivery per finished run whose task has a ``callback_url``. The deliverer's loops then
claim due deliveries under a short lease, POST them concurrently through one SSRF-vetted client,
and record every attempt with the next one planned from the retry schedule. A delivery never
changes its run.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection

from runagent_pulse.common.background import cancel_and_wait
from runagent_pulse.common.clock import Clock
from runagent_pulse.common.netguard import Resolver
from runagent_pulse.delivery.backoff import next_delay
from runagent_pulse.delivery.payload import STATUSES, build_payload, encode_payload
from runagent_pulse.delivery.sender import AttemptOutcome, make_client, send_once
from runagent_pulse.delivery.signing import webhook_headers
from runagent_pulse.domain.plans import Outcome
from runagent_pulse.observability import tracing
from runagent_pulse.observability.metrics import Metrics
from runagent_pulse.store import deliveries as store
from runagent_pulse.store.completions import CompletionResult
from runagent_pulse.store.database import Database
from runagent_pulse.store.sql import Row

log = logging.getLogger(__name__)

SAFETY_CAP_SECONDS = 5.0
"""Longest the deliverer sleeps without looking (another node may add deliveries)."""
LEASE_MARGIN = timedelta(seconds=5)
"""A claim's lease lasts twice the callback timeout plus this (after a crash, that long
passes before another node sends the deliveries that were in flight)."""


def _error_of(error_type: str | None, error_message: str | None) -> dict[str, Any] | None:
    if not error_type and not error_message:
        return None
    return {"type": error_type, "message": error_message}


def outbox_rows(finished: Sequence[tuple[Row, Outcome]], now: datetime) -> list[Row]:
    """New deliveries for runs that started, ended, and whose task has a callback URL."""
    rows = []
    for run, outcome in finished:
        status = str(outcome.status)
        started = run["started_at"]
        if not run["callback_url"] or started is None or status not in STATUSES:
            continue
        duration = max(int((outcome.finished_at - started).total_seconds() * 1000), 0)
        payload = build_payload(
            task_id=run["task_id"],
            run_id=run["id"],
            status=status,
            result=outcome.result,
            error=_error_of(outcome.error_type, outcome.error_message),
            duration_ms=duration,
            finished_at=outcome.finished_at,
            attempt=run["attempt"],
            scheduled_for=run["scheduled_for"],
        )
        rows.append(
            store.new_delivery(
                run_id=run["id"],
                task_id=run["task_id"],
                url=run["callback_url"],
                payload=payload,
                now=now,
            )
        )
    return rows


def payload_of_run(run: Row) -> dict[str, Any]:
    """The callback body of a stored, finished run (for a redelivery)."""
    return build_payload(
        task_id=run["task_id"],
        run_id=run["id"],
        status=run["status"],
        result=run["result"],
        error=_error_of(run["error_type"], run["error_message"]),
        duration_ms=run["duration_ms"],
        finished_at=run["finished_at"],
        attempt=run["attempt"],
        scheduled_for=run["scheduled_for"],
    )


DELIVERY_ACTIONS = {
    store.DELIVERED: "delivery_delivered",
    store.PENDING: "delivery_attempt_failed",
    store.FAILED: "delivery_gave_up",
    store.GONE: "delivery_gone",
}


class Deliverer:
    """Sends pending deliveries; one per node, started and stopped by the node."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock,
        retry_schedule: Sequence[timedelta],
        timeout: float,
        allow_private: bool,
        secret: str | None = None,
        max_in_flight: int = 64,
        resolver: Resolver | None = None,
        rng: random.Random | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.retry_schedule = list(retry_schedule)
        self.timeout = timeout
        self.allow_private = allow_private
        self.secret = secret
        """The server's signing secret; a task's ``callback_secret`` replaces it."""
        self.max_in_flight = max_in_flight
        self.resolver = resolver
        """How host names are resolved for the SSRF check (``None``: the system; tests)."""
        self._rng = rng or random.Random()
        self.metrics = metrics or Metrics()
        self._client: httpx.AsyncClient | None = None
        self._wake = asyncio.Event()
        self._done: list[tuple[Row, AttemptOutcome, datetime, datetime]] = []
        self._done_ready = asyncio.Event()
        self._leases: dict[str, datetime] = {}
        self._sends: set[asyncio.Task[None]] = set()
        self._loops: list[asyncio.Task[None]] = []
        self._stopping = False

    # -- the outbox hook ---------------------------------------------------------------------
    async def after_record(
        self, conn: AsyncConnection, result: CompletionResult, now: datetime
    ) -> None:
        """Add the deliveries of ``result``'s finished runs (inside the engine's transaction)."""
        rows = outbox_rows(result.finished, now)
        if rows:
            await store.add(conn, rows)

    def after_commit(self, result: CompletionResult) -> None:
        """The engine committed ``result``: its deliveries (if any) are now visible."""
        if any(row["callback_url"] for row, _ in result.finished):
            self._wake.set()

    def notify(self) -> None:
        """Look for due deliveries now (one was queued elsewhere, e.g. a redelivery)."""
        self._wake.set()

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        self._stopping = False
        self._client = make_client(
            allow_private=self.allow_private, timeout=self.timeout, resolver=self.resolver
        )
        self._loops = [
            asyncio.create_task(self._claim_loop(), name="pulse-deliverer"),
            asyncio.create_task(self._record_loop(), name="pulse-delivery-recorder"),
        ]

    async def stop(self, grace: float = 5.0) -> None:
        """Stop claiming, let sends in flight finish for ``grace`` seconds, record them, and
        release the leases of the rest so the next node sends them at once."""
        self._stopping = True
        self._wake.set()
        await cancel_and_wait(*self._loops)
        self._loops = []
        if self._sends:
            await asyncio.wait(list(self._sends), timeout=grace)
        for task in list(self._sends):
            task.cancel()
        if self._sends:
            await asyncio.wait(list(self._sends), timeout=grace)
        try:
            await self._flush()
            if self._leases:
                async with self.db.write() as conn:
                    await store.release(conn, self._leases)
                self._leases.clear()
        except Exception:
            log.exception("recording the last delivery attempts failed")
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- claiming and sending ----------------------------------------------------------------
    async def claim_once(self) -> int:
        """Claim what is due up to free capacity and start sending it; return how many."""
        capacity = self.max_in_flight - len(self._leases)
        if self._client is None or not self._can_claim():
            return 0
        now = self.clock.now()
        lease_until = now + timedelta(seconds=2 * self.timeout) + LEASE_MARGIN
        async with self.db.write() as conn:
            rows = await store.claim_due(conn, now=now, limit=capacity, lease_until=lease_until)
        for row in rows:
            self._leases[row["id"]] = row["lease"]
            task = asyncio.create_task(self._send(row), name=f"delivery-{row['id']}")
            self._sends.add(task)
            task.add_done_callback(self._sends.discard)
        return len(rows)

    def _can_claim(self) -> bool:
        """Whether there is room for a claim: claims come in batches of at least a quarter of
        ``max_in_flight`` while sends are in flight, not one freed slot at a time."""
        free = self.max_in_flight - len(self._leases)
        return free > 0 and (not self._leases or free >= max(self.max_in_flight // 4, 1))

    async def _claim_loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            delay = SAFETY_CAP_SECONDS
            try:
                claimed = await self.claim_once()
                if claimed and self._can_claim():
                    continue
                if self._can_claim():
                    async with self.db.read() as conn:
                        next_due = await store.next_due_at(conn)
                    if next_due is not None:
                        delay = min(delay, (next_due - self.clock.now()).total_seconds())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivery claim failed; retrying in 1 s")
                delay = 1.0
            if delay > 0:
                await self.clock.wait(self._wake, delay)

    async def _send(self, row: Row) -> None:
        attempted_at = self.clock.now()
        attributes = {
            "pulse.delivery_id": row["id"],
            "pulse.run_id": row["run_id"],
            "pulse.attempt": row["attempts"] + 1,
        }
        with tracing.span("pulse.delivery", attributes) as span:
            try:
                body = encode_payload(row["payload"])
                secret = row["callback_secret"] or self.secret
                headers = webhook_headers(
                    secret, row["webhook_id"], int(attempted_at.timestamp()), body
                )
                tracing.inject_traceparent(headers)
                assert self._client is not None
                outcome = await send_once(
                    self._client,
                    url=row["url"],
                    body=body,
                    headers=headers,
                    timeout=self.timeout,
                    clock=lambda: self.clock.now().timestamp(),
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.exception("delivery %s could not be sent", row["id"])
                outcome = AttemptOutcome("retry", None, f"could not send: {exc}", None, 0)
            tracing.end_status(span, outcome.disposition, outcome.error)
        self._done.append((row, outcome, attempted_at, self.clock.now()))
        self._done_ready.set()

    # -- recording ---------------------------------------------------------------------------
    def _plan(
        self, row: Row, outcome: AttemptOutcome, attempted_at: datetime, ended_at: datetime
    ) -> store.AttemptRecord:
        next_at: datetime | None = None
        if outcome.disposition == "delivered":
            status = store.DELIVERED
        elif outcome.disposition == "gone":
            status = store.GONE
        else:
            delay = next_delay(
                row["attempts"] + 1,
                self.retry_schedule,
                retry_after=outcome.retry_after,
                rng=self._rng,
            )
            status = store.FAILED if delay is None else store.PENDING
            next_at = None if delay is None else ended_at + delay
        return store.AttemptRecord(
            delivery_id=row["id"],
            lease=row["lease"],
            attempted_at=attempted_at,
            status=status,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
            next_attempt_at=next_at,
        )

    async def _flush(self) -> int:
        """Record every finished send in one transaction; free their slots."""
        batch, self._done = self._done, []
        if not batch:
            return 0
        records = [self._plan(*item) for item in batch]
        try:
            async with self.db.write() as conn:
                await store.record_attempts(conn, records)
        except BaseException:
            self._done[:0] = batch
            raise
        for (row, *_), record in zip(batch, records, strict=True):
            self._leases.pop(record.delivery_id, None)
            self.metrics.delivery_attempt(record.status, row["attempts"] + 1)
            self._log(row, record)
        self._wake.set()
        return len(records)

    async def _record_loop(self) -> None:
        while True:
            await self._done_ready.wait()
            self._done_ready.clear()
            try:
                await self._flush()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("recording delivery attempts failed; retrying")
                self._done_ready.set()
                await asyncio.sleep(0.5)

    @staticmethod
    def _log(row: Row, record: store.AttemptRecord) -> None:
        """One line per attempt that did not deliver (and a debug line for one that did):
        ids, the attempt, the reason and what happens next; never the payload or the URL's
        query."""
        extra = {
            "action": DELIVERY_ACTIONS[record.status],
            "delivery_id": record.delivery_id,
            "run_id": row["run_id"],
            "task_id": row["task_id"],
            "attempt": row["attempts"] + 1,
            "status_code": record.status_code,
        }
        where = f"callback of run {row['run_id']} (attempt {row['attempts'] + 1})"
        if record.status == store.DELIVERED:
            log.debug("%s delivered", where, extra=extra)
        elif record.status == store.PENDING:
            log.warning(
                "%s failed: %s; next attempt at %s",
                where,
                record.error,
                record.next_attempt_at.isoformat() if record.next_attempt_at else "?",
                extra=extra,
            )
        else:
            log.error(
                "%s %s: %s; giving up (the result stays readable: GET /v1/runs/%s)",
                where,
                "refused for good (410 Gone)" if record.status == store.GONE else "failed",
                record.error,
                row["run_id"],
                extra=extra,
            )
