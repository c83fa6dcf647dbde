"""The webhook handler: storing, reading back, signatures, read tokens, duplicates, file
names and path traversal."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import uvicorn
from standardwebhooks.webhooks import Webhook

from runagent_pulse.delivery import encode_payload, generate_secret, webhook_headers
from runagent_pulse.webhook_handler import create_app, read_token


def payload(task_id: str = "tsk_1", execution_id: str = "run_1", **extra: Any) -> dict[str, Any]:
    return {
        "task_id": task_id,
        "execution_id": execution_id,
        "status": "success",
        "result": {"answer": 42},
        "execution_time_ms": 1234,
        "timestamp": 1_700_000_000,
        **extra,
    }


def client_for(results: Path, secret: str | None = None) -> httpx.AsyncClient:
    """A client of a handler whose reads it may make: with the secret's read token, or
    public reads when there is no secret."""
    app = create_app(results, secret, public_reads=secret is None)
    headers = {"authorization": f"Bearer {read_token(secret)}"} if secret else {}
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://handler", headers=headers)


def signed(secret: str, body: bytes, msg_id: str = "msg_1") -> dict[str, str]:
    stamp = datetime.now(UTC)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(stamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, stamp, body.decode()),
    }


def all_files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


async def test_store_and_read_back(tmp_path: Path) -> None:
    results = tmp_path / "results"
    async with client_for(results) as client:
        first = payload(execution_id="run_1", timestamp=100)
        second = payload(execution_id="run_2", timestamp=200, status="failed", error="E: x")
        for body in (first, second):
            response = await client.post("/results", content=json.dumps(body))
            assert response.status_code == 200
            assert response.json() == {
                "status": "stored",
                "task_id": "tsk_1",
                "execution_id": body["execution_id"],
            }
        latest = await client.get("/results/tsk_1")
        assert latest.status_code == 200
        assert latest.json() == second
        runs = await client.get("/results/tsk_1/runs")
        assert runs.json()["runs"] == [second, first]
        assert runs.json()["count"] == 2
        index = await client.get("/results")
        assert index.json() == {
            "tasks": [
                {
                    "task_id": "tsk_1",
                    "runs": 2,
                    "latest_status": "failed",
                    "latest_execution_id": "run_2",
                    "latest_timestamp": 200,
                }
            ],
            "count": 1,
        }
        health = await client.get("/health")
        assert health.json()["status"] == "ok"
    assert json.loads((results / "tsk_1.json").read_bytes()) == second
    assert json.loads((results / "tsk_1" / "run_1.json").read_bytes()) == first
    assert all_files(results) == {"tsk_1.json", "tsk_1", "tsk_1/run_1.json", "tsk_1/run_2.json"}


async def test_files_hold_exactly_the_received_bytes(tmp_path: Path) -> None:
    body = encode_payload(payload())
    async with client_for(tmp_path) as client:
        assert (await client.post("/results", content=body)).status_code == 200
    assert (tmp_path / "tsk_1.json").read_bytes() == body


async def test_missing_task_is_404_json(tmp_path: Path) -> None:
    async with client_for(tmp_path) as client:
        for path in ("/results/nope", "/results/nope/runs", "/results/..", "/results/.seen"):
            response = await client.get(path)
            assert response.status_code == 404, path
            if path != "/results/..":
                assert "error" in response.json()


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'"text"',
        b"{}",
        b'{"task_id": "t"}',
        b'{"task_id": 5, "execution_id": "r"}',
        b'{"task_id": "t", "execution_id": null}',
        b'{"task_id": "t", "execution_id": ["r"]}',
        b"\xff\xfe",
    ],
)
async def test_invalid_bodies_are_422(tmp_path: Path, body: bytes) -> None:
    async with client_for(tmp_path / "r") as client:
        response = await client.post("/results", content=body)
    assert response.status_code == 422
    assert "error" in response.json()
    assert all_files(tmp_path / "r") == set()


REFUSED_IDS = ["../../etc/x", "..", ".", "a/b", "/tmp/absolute", "/etc/passwd", "", "x" * 129]


@pytest.mark.parametrize("bad", REFUSED_IDS)
@pytest.mark.parametrize("field", ["task_id", "execution_id"])
async def test_ids_that_cannot_be_stored_are_422(tmp_path: Path, field: str, bad: str) -> None:
    results = tmp_path / "results"
    async with client_for(results) as client:
        body = payload(**{field: bad})
        response = await client.post("/results", content=json.dumps(body))
    assert response.status_code == 422
    assert all_files(tmp_path) == {"results"}
    assert all_files(results) == set()


ODD_IDS = [
    "%2e%2e",
    "%2e%2e%2fescape",
    "C:\\windows\\x",
    "..\\..\\x",
    "nul\x00byte",
    " ",
    ".seen",
    ".hidden",
    "new\nline",
    "ünïcode 𝄞",
    "x" * 128,
]


@pytest.mark.parametrize("odd", ODD_IDS)
@pytest.mark.parametrize("field", ["task_id", "execution_id"])
async def test_odd_ids_are_stored_inside_and_read_back(
    tmp_path: Path, field: str, odd: str
) -> None:
    results = tmp_path / "results"
    body = payload(**{field: odd})
    async with client_for(results) as client:
        assert (await client.post("/results", content=json.dumps(body))).status_code == 200
        latest = await client.get(f"/results/{quote(body['task_id'], safe='')}")
        assert latest.json() == body
    stored = [path.relative_to(results) for path in results.rglob("*.json")]
    assert len(stored) == 2  # the latest and the run, each under a name of its own
    assert all(len(path.parts) <= 2 and not path.name.startswith(".") for path in stored)


async def test_signature_required_when_secret_set(tmp_path: Path) -> None:
    secret = generate_secret()
    body = json.dumps(payload()).encode()
    async with client_for(tmp_path, secret) as client:
        unsigned = await client.post("/results", content=body)
        assert unsigned.status_code == 401
        assert "missing header" in unsigned.json()["error"]

        headers = signed(secret, body)
        tampered = await client.post(
            "/results", content=body.replace(b"42", b"43"), headers=headers
        )
        assert tampered.status_code == 401
        assert "no matching" in tampered.json()["error"]

        wrong_key = signed(generate_secret(), body)
        assert (await client.post("/results", content=body, headers=wrong_key)).status_code == 401

        stale = dict(headers, **{"webhook-timestamp": str(int(time.time()) - 301)})
        assert (await client.post("/results", content=body, headers=stale)).status_code == 401
        assert all_files(tmp_path) == set()

        good = await client.post("/results", content=body, headers=headers)
        assert good.status_code == 200
        assert good.json()["status"] == "stored"
    assert json.loads((tmp_path / "tsk_1.json").read_bytes()) == payload()


async def test_pulse_signed_headers_are_accepted(tmp_path: Path) -> None:
    secret = generate_secret()
    body = encode_payload(payload())
    headers = webhook_headers(secret, "msg_9", int(time.time()), body)
    async with client_for(tmp_path, secret) as client:
        assert (await client.post("/results", content=body, headers=headers)).status_code == 200


def test_malformed_secret_fails_at_startup(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="webhook secret"):
        create_app(tmp_path, "whsec_###")


async def test_duplicate_webhook_id_is_stored_once(tmp_path: Path) -> None:
    async with client_for(tmp_path) as client:
        headers = {"webhook-id": "msg_dup"}
        first = await client.post("/results", content=json.dumps(payload()), headers=headers)
        assert first.json()["status"] == "stored"
        # A retry of the same event; even if its body differed it is not stored again.
        again = payload(execution_id="run_other")
        second = await client.post("/results", content=json.dumps(again), headers=headers)
        assert second.status_code == 200
        assert second.json()["status"] == "duplicate"
        runs = (await client.get("/results/tsk_1/runs")).json()
        assert runs["count"] == 1
    # A restarted handler still remembers the id.
    async with client_for(tmp_path) as client:
        third = await client.post("/results", content=json.dumps(payload()), headers=headers)
        assert third.json()["status"] == "duplicate"
        other = await client.post(
            "/results", content=json.dumps(payload()), headers={"webhook-id": "msg_new"}
        )
        assert other.json()["status"] == "stored"


async def test_body_too_large_is_413(tmp_path: Path) -> None:
    from runagent_pulse.webhook_handler import app as app_module

    async with client_for(tmp_path) as client:
        big = (
            b'{"task_id":"t","execution_id":"r","pad":"' + b"x" * app_module.MAX_BODY_BYTES + b'"}'
        )
        response = await client.post("/results", content=big)
    assert response.status_code == 413


@pytest.fixture
async def real_server(tmp_path: Path) -> AsyncIterator[tuple[str, Path, str]]:
    """A real uvicorn server on 127.0.0.1 with signatures required."""
    secret = generate_secret()
    results = tmp_path / "results"
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)  # connections queue here until uvicorn starts accepting: no waiting needed
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(results, secret), log_level="warning", ws="none", lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield f"http://127.0.0.1:{port}", results, secret
    finally:
        server.should_exit = True
        await task
        sock.close()


@pytest.mark.slow
async def test_real_server_round_trip_with_pulse_sender(
    real_server: tuple[str, Path, str],
) -> None:
    from runagent_pulse.delivery import make_client, send_once

    base, results, secret = real_server
    body = encode_payload(payload(task_id="tsk_live", execution_id="run_live"))
    headers = webhook_headers(secret, "msg_live", int(time.time()), body)
    async with make_client(allow_private=True, timeout=10) as client:
        outcome = await send_once(
            client, url=f"{base}/results", body=body, headers=headers, timeout=10
        )
        assert outcome.disposition == "delivered", outcome.error
        again = await send_once(
            client, url=f"{base}/results", body=body, headers=headers, timeout=10
        )
        assert again.disposition == "delivered"
        bad = await send_once(
            client, url=f"{base}/results", body=body + b" ", headers=headers, timeout=10
        )
        assert (bad.disposition, bad.status_code) == ("retry", 401)
    reader = {"authorization": f"Bearer {read_token(secret)}"}
    async with httpx.AsyncClient(base_url=base, headers=reader) as plain:
        latest = await plain.get("/results/tsk_live")
        assert latest.json()["execution_id"] == "run_live"
        runs = await plain.get("/results/tsk_live/runs")
        assert runs.json()["count"] == 1
    assert (results / "tsk_live.json").read_bytes() == body


@pytest.mark.parametrize(
    "path",
    [
        "/results/..%2Foutside",
        "/results/%2e%2e%2Foutside",
        "/results/%2e%2e/outside",
        "/results/..%5Coutside",
        "/results/%2Ftmp%2Foutside",
        "/results/..%2Foutside/runs",
    ],
)
async def test_reads_never_leave_the_folder(tmp_path: Path, path: str) -> None:
    (tmp_path / "outside.json").write_text('{"secret": true}')
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "x.json").write_text('{"secret": true}')
    async with client_for(tmp_path / "results") as client:
        response = await client.get(path)
    assert response.status_code == 404
    assert "secret" not in response.text


async def test_ids_that_differ_are_stored_apart(tmp_path: Path) -> None:
    """``a.json``'s run folder was ``a``'s latest file: a 500, then ``a`` unreadable for good."""
    ids = ["a", "a.json", "A", "a%2Ejson", "a.JSON", "tsk_1", "Tsk_1"]
    async with client_for(tmp_path) as client:
        for task_id in ids:
            body = json.dumps(payload(task_id=task_id, execution_id=f"run_{task_id}"))
            response = await client.post("/results", content=body)
            assert response.status_code == 200, (task_id, response.text)
        for task_id in ids:
            latest = await client.get(f"/results/{quote(task_id, safe='')}")
            assert latest.status_code == 200, task_id
            assert latest.json()["task_id"] == task_id
            runs = await client.get(f"/results/{quote(task_id, safe='')}/runs")
            assert [r["execution_id"] for r in runs.json()["runs"]] == [f"run_{task_id}"]
        index = await client.get("/results")
        assert sorted(t["task_id"] for t in index.json()["tasks"]) == sorted(ids)
    # Pulse's own ids keep the file names the user guide shows.
    assert json.loads((tmp_path / "tsk_1.json").read_bytes())["task_id"] == "tsk_1"


READS = ["/results", "/results/tsk_1", "/results/tsk_1/runs"]


async def test_reads_need_the_read_token_of_the_secret(tmp_path: Path) -> None:
    secret = generate_secret()
    app = create_app(tmp_path, secret)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://handler") as client:
        body = encode_payload(payload())
        headers = webhook_headers(secret, "msg_1", int(time.time()), body)
        assert (await client.post("/results", content=body, headers=headers)).status_code == 200
        refused = [
            {},
            {"authorization": f"Bearer {read_token(generate_secret())}"},
            {"authorization": f"Bearer {secret}"},
            {"authorization": f"Basic {read_token(secret)}"},
        ]
        for path in READS:
            for given in refused:
                response = await client.get(path, headers=given)
                assert response.status_code == 401, (path, given)
                assert "pulse webhook read-token" in response.json()["error"]
                assert response.headers["www-authenticate"] == "Bearer"
            right = {"authorization": f"Bearer {read_token(secret)}"}
            assert (await client.get(path, headers=right)).status_code == 200, path


async def test_without_a_secret_reads_are_off_unless_public(tmp_path: Path) -> None:
    for public_reads, status in ((False, 403), (True, 200)):
        app = create_app(tmp_path, None, public_reads=public_reads)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://handler") as client:
            await client.post("/results", content=json.dumps(payload()))
            for path in READS:
                response = await client.get(path)
                assert response.status_code == status, (public_reads, path)
            if not public_reads:
                message = response.json()["error"]
                assert "PULSE_WEBHOOK_SECRET" in message and "--public-reads" in message


def test_the_read_token_is_stable_and_not_the_secret() -> None:
    secret = generate_secret()
    token = read_token(secret)
    assert token == read_token(secret) and token.startswith("whrt_")
    assert secret.removeprefix("whsec_") not in token
    assert token != read_token(generate_secret())


async def test_health_does_not_show_where_results_are(tmp_path: Path) -> None:
    async with client_for(tmp_path / "results") as client:
        health = await client.get("/health")
    assert health.status_code == 200
    assert str(tmp_path) not in health.text and "results" not in health.text
    assert health.json() == {"status": "ok", "signatures": False, "public_reads": True}
