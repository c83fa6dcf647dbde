"""Callbacks end to end inside one process: the outbox row, retries, signatures, failures."""

from __future__ import annotations

import json

import pytest
from standardwebhooks.webhooks import Webhook

from runagent_pulse.delivery import generate_secret
from tests.integration.delivery_outbox.support import App, receiver, reply

SECRET = generate_secret()
UNREACHABLE = "http://127.0.0.1:9/results"  # discard port: nothing listens


async def test_outbox_row_holds_the_runs_final_state(db_url: str) -> None:
    async with App(db_url) as app:
        await app.node.deliverer.stop()  # keep the row pending to look at it
        ok = await app.schedule(UNREACHABLE, params={"input": "Hello"})
        bad = await app.schedule(UNREACHABLE, params={"fail": "boom"})
        silent = await app.schedule(None)
        [row] = await app.until(lambda: app.deliveries_of(ok))
        run = await app.run_of(ok)
        assert row["run_id"] == run["id"]
        assert row["webhook_id"] == f"msg_{row['id']}"
        assert (row["status"], row["attempts"], row["url"]) == ("pending", 0, UNREACHABLE)
        assert row["next_attempt_at"] == app.clock.now()
        assert row["payload"] == {
            "task_id": ok,
            "execution_id": run["id"],
            "status": "success",
            "result": {"input": "Hello"},
            "execution_time_ms": run["duration_ms"],
            "timestamp": int(run["finished_at"].timestamp()),
            "attempt": 1,
            "scheduled_for": run["scheduled_for"].isoformat().replace("+00:00", "Z"),
        }
        [failed] = await app.until(lambda: app.deliveries_of(bad))
        assert failed["payload"]["status"] == "failed"
        assert failed["payload"]["error"] == "EchoFailure: boom"
        await app.until(lambda: app.finished(silent))
        assert await app.deliveries_of(silent) == []


async def test_503_three_times_then_200_is_delivered_signed_with_one_webhook_id(
    db_url: str,
) -> None:
    busy = reply("503 Service Unavailable", body=b"busy")
    async with (
        receiver(busy, busy, busy) as rcv,
        App(db_url, PULSE_WEBHOOK_SECRET=SECRET) as app,
    ):
        task_id = await app.schedule(rcv.url, params={"n": 1})
        for made in (1, 2, 3):
            await app.delivery_where(task_id, lambda d, made=made: d["attempts"] == made)
            app.advance(2)  # past the 1 s (+15 % jitter) retry delay
        row = await app.delivery_where(task_id, lambda d: d["status"] == "delivered")
        assert row["attempts"] == 4
        assert len(rcv.received) == 4
        assert {r.headers["webhook-id"] for r in rcv.received} == {row["webhook_id"]}
        last = rcv.received[-1]
        assert Webhook(SECRET).verify(last.body, last.headers) == row["payload"]
        assert last.headers["user-agent"].startswith("runagent-pulse/")

        run = await app.run_of(task_id)
        listed = (await app.http.get(f"/v1/runs/{run['id']}/deliveries")).json()["items"]
        [item] = listed
        assert item["delivery_id"] == row["id"]
        assert (item["status"], item["attempt_count"], item["next_attempt_at"]) == (
            "delivered",
            4,
            None,
        )
        codes = [(a["status_code"], a["error"]) for a in item["attempts"]]
        assert codes == [(503, "HTTP 503 Service Unavailable: busy")] * 3 + [(200, None)]
        assert all(a["next_attempt_at"] for a in item["attempts"][:3])
        assert item["attempts"][3]["next_attempt_at"] is None
        assert (run["status"], run["result"]) == ("success", {"n": 1})


async def test_task_secret_replaces_the_server_secret(sqlite_url: str) -> None:
    own = generate_secret()
    async with receiver() as rcv, App(sqlite_url, PULSE_WEBHOOK_SECRET=SECRET) as app:
        task_id = await app.schedule(rcv.url, callback_secret=own)
        await app.delivery_where(task_id, lambda d: d["status"] == "delivered")
        got = rcv.received[0]
        assert json.loads(got.body)["task_id"] == task_id
        Webhook(own).verify(got.body, got.headers)


@pytest.mark.parametrize(
    ("behaviour", "status", "error"),
    [
        (
            reply("307 Temporary Redirect", "location: http://127.0.0.1:9/x"),
            307,
            "redirect to http://127.0.0.1:9/x not followed (3xx counts as failure)",
        ),
        (None, None, "timed out after 0.3s"),
        (reply("410 Gone"), 410, "410 Gone: the receiver asked to stop deliveries"),
    ],
    ids=["redirect", "hang", "gone"],
)
async def test_failures_end_as_documented_and_keep_the_result(
    sqlite_url: str, behaviour: bytes | None, status: int | None, error: str
) -> None:
    async with (
        receiver(default=behaviour or b"") as rcv,
        App(sqlite_url, PULSE_CALLBACK_RETRY_SCHEDULE="0", PULSE_CALLBACK_TIMEOUT="0.3s") as app,
    ):
        rcv.hang = behaviour is None
        task_id = await app.schedule(rcv.url, params={"keep": "me"})
        final = "gone" if status == 410 else "failed"
        row = await app.delivery_where(task_id, lambda d: d["status"] == final)
        assert (row["attempts"], row["last_status_code"], row["last_error"]) == (1, status, error)
        assert len(rcv.received) == 1  # a redirect is not followed
        [attempt] = await app.attempts_of(row["id"])
        assert (attempt["status_code"], attempt["error"]) == (status, error)
        run = await app.run_of(task_id)
        assert (run["status"], run["result"]) == ("success", {"keep": "me"})


async def test_gone_stops_even_with_retries_left(sqlite_url: str) -> None:
    async with receiver(default=reply("410 Gone")) as rcv, App(sqlite_url) as app:
        task_id = await app.schedule(rcv.url)
        row = await app.delivery_where(task_id, lambda d: d["status"] == "gone")
        assert (row["attempts"], row["next_attempt_at"]) == (1, None)
        assert len(rcv.received) == 1


async def test_metadata_address_is_refused_when_the_task_is_created(sqlite_url: str) -> None:
    async with App(sqlite_url) as app:
        response = await app.http.post(
            "/v1/tasks",
            json={
                "agent_id": "a",
                "entrypoint_tag": "run",
                "executor_type": "echo",
                "when": "now",
                "callback_url": "http://169.254.169.254/latest/meta-data/",
            },
        )
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "unsafe_url"


async def test_name_resolving_to_a_forbidden_address_fails_at_send_time(sqlite_url: str) -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return ["169.254.169.254"] if host == "hooks.example.test" else ["127.0.0.1"]

    async with App(sqlite_url, resolver=resolver, PULSE_CALLBACK_RETRY_SCHEDULE="0") as app:
        task_id = await app.schedule("http://hooks.example.test/results", params={"x": 1})
        row = await app.delivery_where(task_id, lambda d: d["status"] == "failed")
        assert row["last_status_code"] is None
        assert row["last_error"] == (
            "URL refused: hooks.example.test resolves to 169.254.169.254 is a cloud metadata "
            "endpoint and is never allowed"
        )
        run = await app.run_of(task_id)
        assert (run["status"], run["result"]) == ("success", {"x": 1})
