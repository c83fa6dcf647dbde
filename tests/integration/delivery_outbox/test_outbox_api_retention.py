"""The deliveries API, redelivery, leases across nodes and restarts, and run retention."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from runagent_pulse.delivery.server_secret import load_server_secret
from runagent_pulse.store import deliveries as delivery_store
from runagent_pulse.store.tables import deliveries, delivery_attempts, runs
from tests.integration.delivery_outbox.support import App, receiver, reply

UNREACHABLE = "http://127.0.0.1:9/results"


async def test_deliveries_of_unknown_run_is_404(sqlite_url: str) -> None:
    async with App(sqlite_url) as app:
        for method, path in (("GET", "deliveries"), ("POST", "redeliver")):
            response = await app.http.request(method, f"/v1/runs/run_nope/{path}")
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "run_not_found"


async def test_redeliver_queues_a_new_delivery_with_a_new_webhook_id(db_url: str) -> None:
    async with receiver() as rcv, App(db_url) as app:
        task_id = await app.schedule(rcv.url, params={"v": 1})
        first = await app.delivery_where(task_id, lambda d: d["status"] == "delivered")
        run = await app.run_of(task_id)
        response = await app.http.post(f"/v1/runs/{run['id']}/redeliver")
        assert response.status_code == 202, response.text
        body = response.json()
        assert body["status"] == "pending"
        assert (body["attempts"], body["attempt_count"]) == ([], 0)
        assert body["webhook_id"] != first["webhook_id"]

        async def both_delivered() -> bool:
            rows = await app.deliveries_of(task_id)
            return len(rows) == 2 and all(r["status"] == "delivered" for r in rows)

        await app.until(both_delivered)
        assert [r.headers["webhook-id"] for r in rcv.received] == [
            first["webhook_id"],
            body["webhook_id"],
        ]
        assert rcv.received[0].body == rcv.received[1].body
        items = (await app.http.get(f"/v1/runs/{run['id']}/deliveries")).json()["items"]
        assert [i["delivery_id"] for i in items] == [first["id"], body["delivery_id"]]


async def test_redeliver_refuses_unfinished_runs_and_tasks_without_callback(
    sqlite_url: str,
) -> None:
    async with App(sqlite_url) as app:
        later = await app.schedule(UNREACHABLE, when="in 1 hour")
        scheduled = await app.run_of(later)
        response = await app.http.post(f"/v1/runs/{scheduled['id']}/redeliver")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "invalid_transition"
        assert "Cannot redeliver" in response.json()["error"]["message"]

        silent = await app.schedule(None)
        await app.until(lambda: app.finished(silent))
        run = await app.run_of(silent)
        response = await app.http.post(f"/v1/runs/{run['id']}/redeliver")
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "no_callback_url"
        assert "has no callback_url" in error["message"]
        assert (await app.http.get(f"/v1/runs/{run['id']}/deliveries")).json() == {"items": []}


async def test_a_leased_delivery_is_not_claimed_twice_until_its_lease_expires(
    db_url: str,
) -> None:
    async with App(db_url) as app:
        await app.node.deliverer.stop()
        task_id = await app.schedule(UNREACHABLE)
        await app.until(lambda: app.deliveries_of(task_id))
        now = app.clock.now()
        lease = now + timedelta(seconds=30)
        async with app.node.db.write() as conn:
            first = await delivery_store.claim_due(conn, now=now, limit=10, lease_until=lease)
        async with app.node.db.write() as conn:
            second = await delivery_store.claim_due(conn, now=now, limit=10, lease_until=lease)
        assert (len(first), second) == (1, [])
        later = lease + timedelta(seconds=1)
        async with app.node.db.write() as conn:
            third = await delivery_store.claim_due(
                conn, now=later, limit=10, lease_until=later + timedelta(seconds=30)
            )
        assert [r["id"] for r in third] == [first[0]["id"]]


async def test_pending_deliveries_resume_after_a_restart(db_url: str) -> None:
    busy = reply("503 Service Unavailable")
    async with receiver(busy) as rcv:
        async with App(db_url) as app:
            task_id = await app.schedule(rcv.url, params={"keep": 1})
            await app.delivery_where(task_id, lambda d: d["attempts"] == 1)
            # A crash while the next attempt was being sent: the lease stays behind.
            async with app.node.db.write() as conn:
                await conn.execute(
                    deliveries.update().values(
                        lease_expires_at=app.clock.now() + timedelta(seconds=60)
                    )
                )
        async with App(db_url) as again:
            again.clock.set(app.clock.now() + timedelta(seconds=61))
            row = await again.delivery_where(task_id, lambda d: d["status"] == "delivered")
            assert row["attempts"] == 2
            assert len({r.headers["webhook-id"] for r in rcv.received}) == 1


async def test_generated_secret_is_stored_once_and_reused(db_url: str) -> None:
    async with App(db_url) as app:
        first = app.node.deliverer.secret
        assert first is not None and first.startswith("whsec_")
        assert await load_server_secret(app.node.db) == first
    async with App(db_url) as again:
        assert again.node.deliverer.secret == first
    async with App(db_url, PULSE_WEBHOOK_SECRET="whsec_" + "A" * 32) as configured:
        assert configured.node.deliverer.secret == "whsec_" + "A" * 32


async def test_retention_prunes_old_finished_runs_only(db_url: str) -> None:
    async with receiver() as rcv, App(db_url, PULSE_RUN_RETENTION="30d") as app:
        delivered = await app.schedule(rcv.url, params={"old": True})
        await app.delivery_where(delivered, lambda d: d["status"] == "delivered")
        await app.node.deliverer.stop()
        stuck = await app.schedule(UNREACHABLE)  # its delivery stays pending
        await app.until(lambda: app.deliveries_of(stuck))
        future = await app.schedule(None, when="in 40 days")
        await app.node.retention.stop()  # prune by hand (the loop is tested below)

        app.advance(29 * 86400)
        assert await app.node.retention.prune_once() == 0
        app.advance(2 * 86400)
        assert await app.node.retention.prune_once() == 1

        left = await app.rows(sa.select(runs.c.task_id, runs.c.status))
        assert sorted((r["task_id"], r["status"]) for r in left) == sorted(
            [(stuck, "success"), (future, "scheduled")]
        )
        assert await app.deliveries_of(delivered) == []
        attempts = await app.rows(sa.select(sa.func.count()).select_from(delivery_attempts))
        assert list(attempts[0].values()) == [0]
        assert len(await app.deliveries_of(stuck)) == 1


async def test_retention_works_in_batches_and_zero_keeps_everything(sqlite_url: str) -> None:
    async with App(sqlite_url, PULSE_RUN_RETENTION="0") as app:
        task_id = await app.schedule(None, repeat={"interval": "1s", "times": 5})
        for done in range(1, 6):
            await app.until(lambda done=done: _succeeded(app, task_id, done))
            app.advance(1)
        await app.node.retention.stop()
        app.advance(365 * 86400)
        assert await app.node.retention.prune_once() == 0
        app.node.retention.keep = timedelta(days=1)
        app.node.retention.batch = 2
        assert await app.node.retention.prune_once() == 5


async def _succeeded(app: App, task_id: str, count: int) -> bool:
    rows = await app.rows(sa.select(runs.c.status).where(runs.c.task_id == task_id))
    return sum(r["status"] == "success" for r in rows) >= count


async def test_retention_loop_prunes_in_the_background(sqlite_url: str) -> None:
    async with App(sqlite_url, PULSE_RUN_RETENTION="1h") as app:
        task_id = await app.schedule(None)
        await app.until(lambda: app.finished(task_id))
        app.advance(3601)  # past retention and past the loop's first delay

        async def gone() -> bool:
            return not await app.rows(sa.select(runs.c.id).where(runs.c.task_id == task_id))

        await app.until(gone)
