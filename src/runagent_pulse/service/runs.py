"""Run operations: history, one run with its events, deliveries and team conversation, cancel
and redeliver."""

from __future__ import annotations

from runagent_pulse.delivery.outbox import Deliverer, payload_of_run
from runagent_pulse.domain.errors import InvalidTransition, NoCallbackURL, RunNotFound
from runagent_pulse.domain.statuses import RunStatus
from runagent_pulse.engine.engine import Engine
from runagent_pulse.service.models import (
    DeliveryList,
    DeliveryOut,
    RunEventList,
    RunList,
    RunOut,
    RunStatusName,
)
from runagent_pulse.service.team_models import ConversationOut, MessageOut
from runagent_pulse.service.views import delivery_view, event_view, run_view
from runagent_pulse.store import deliveries as delivery_store
from runagent_pulse.store import deployments as deployment_store
from runagent_pulse.store import run_events as event_store
from runagent_pulse.store import runs as run_store
from runagent_pulse.store import tasks as task_store
from runagent_pulse.store.database import retry_lost_races

REDELIVERABLE = frozenset(
    {RunStatus.SUCCESS, RunStatus.FAILED, RunStatus.TIMEOUT, RunStatus.CANCELLED}
)


class RunService:
    def __init__(self, engine: Engine, deliverer: Deliverer) -> None:
        self.engine = engine
        self.db = engine.db
        self.deliverer = deliverer

    async def list(
        self,
        *,
        task_id: str | None = None,
        status: RunStatusName | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> RunList:
        """Runs newest first, of one task or of all.

        Raises: TaskNotFound (``task_id`` names no task).
        """
        async with self.db.read() as conn:
            if task_id is not None:
                await task_store.get_task(conn, task_id)
            rows, next_cursor = await run_store.list_runs(
                conn, filters={"task_id": task_id, "status": status}, limit=limit, cursor=cursor
            )
        return RunList(items=[run_view(r) for r in rows], next_cursor=next_cursor)

    async def latest_ended(self, task_ids: list[str]) -> dict[str, RunOut]:
        """The newest run that ended (skipped included) of each task that has one, by task id."""
        async with self.db.read() as conn:
            rows = await run_store.latest_ended(conn, task_ids)
        return {row["task_id"]: run_view(row) for row in rows}

    async def get(self, run_id: str) -> RunOut:
        """Raises: RunNotFound."""
        async with self.db.read() as conn:
            return run_view(await run_store.get_run(conn, run_id))

    @retry_lost_races
    async def cancel(self, run_id: str) -> RunOut:
        """Cancel a run that waits, or ask a running one to stop (it ends ``cancelled``).

        Raises: RunNotFound, InvalidTransition (the run has ended).
        """
        now = self.engine.clock.now()
        async with self.db.write() as conn:
            # A run read as scheduled may start before the UPDATE (another node's claim): the
            # conditional UPDATE then changes nothing, and the run is read again.
            for _ in range(3):
                run = await run_store.get_run(conn, run_id)
                if run["status"] == RunStatus.SCHEDULED:
                    changed = await run_store.cancel_scheduled(conn, run_id, now=now)
                elif run["status"] == RunStatus.RUNNING:
                    changed = await run_store.request_cancel(conn, run_id)
                else:
                    raise InvalidTransition(run_id, run["status"], "cancel")
                if changed:
                    break
        if run["status"] == RunStatus.RUNNING:
            await self.engine.stop_run(run_id)
        return await self.get(run_id)

    async def events(
        self, run_id: str, *, after: int | None = None, limit: int = 200
    ) -> RunEventList:
        """What the run's executor reported, in order; ``after`` is the last event id read.

        Raises: RunNotFound.
        """
        async with self.db.read() as conn:
            await run_store.get_run(conn, run_id)
            rows = await event_store.list_events(conn, run_id, after=after, limit=limit)
        items = [event_view(r) for r in rows]
        return RunEventList(
            items=items, next_cursor=str(items[-1].event_id) if len(items) == limit else None
        )

    async def deliveries(self, run_id: str) -> DeliveryList:
        """The run's callback deliveries, oldest first, each with its attempts.

        Raises: RunNotFound.
        """
        async with self.db.read() as conn:
            if await delivery_store.run_for_redelivery(conn, run_id) is None:
                raise RunNotFound(run_id)
            rows = await delivery_store.for_run(conn, run_id)
        return DeliveryList(items=[delivery_view(r) for r in rows])

    async def redeliver(self, run_id: str) -> DeliveryOut:
        """Queue a new delivery of the run's stored result to its task's current callback URL.

        Raises: RunNotFound, InvalidTransition (not finished, or never ran), NoCallbackURL.
        """
        now = self.deliverer.clock.now()
        async with self.db.write() as conn:
            run = await delivery_store.run_for_redelivery(conn, run_id)
            if run is None:
                raise RunNotFound(run_id)
            if run["status"] not in REDELIVERABLE:
                raise InvalidTransition(run_id, run["status"], "redeliver")
            if run["started_at"] is None:
                raise InvalidTransition(run_id, f"{run['status']} and never ran", "redeliver")
            if not run["callback_url"]:
                raise NoCallbackURL(run_id, run["task_id"])
            row = delivery_store.new_delivery(
                run_id=run_id,
                task_id=run["task_id"],
                url=run["callback_url"],
                payload=payload_of_run(run),
                now=now,
            )
            await delivery_store.add(conn, [row])
        self.deliverer.notify()
        return delivery_view(row)

    async def conversation(self, run_id: str) -> ConversationOut:
        """What the agents of a team run said, in order (empty for runs of other executors).

        Raises: RunNotFound.
        """
        async with self.db.read() as conn:
            run = await run_store.get_run(conn, run_id)
            deployment_id = run["deployment_id"]
            if deployment_id is None:
                return ConversationOut(
                    run_id=run_id, deployment_id=None, deployment_status=None, messages=[]
                )
            deployment = await deployment_store.get_deployment(conn, deployment_id)
            messages = await deployment_store.messages(conn, deployment_id)
        return ConversationOut(
            run_id=run_id,
            deployment_id=deployment_id,
            deployment_status=deployment["status"],
            messages=[MessageOut(**m) for m in messages],
        )
