"""The dashboard over a real app (engine, SQLite): login with the API key, CSRF on every form,
everything a user wrote rendered inert, and the pages a user steers schedules with."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.integration.delivery_outbox.support import App

KEY = "dashboard-key-9"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


@pytest.fixture
async def app(sqlite_url: str) -> AsyncIterator[App]:
    async with App(sqlite_url, PULSE_API_KEY=KEY) as running:
        yield running


async def api(app: App, method: str, path: str, **kwargs: object) -> httpx.Response:
    headers = {"Authorization": f"Bearer {KEY}"}
    return await app.http.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]


async def log_in(app: App) -> None:
    response = await app.http.post("/ui/login", data={"key": KEY})
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def test_no_page_is_readable_without_logging_in(app: App) -> None:
    assert (await app.http.get("/")).headers["location"] == "/ui"
    for path in ("/ui/schedules", "/ui/runs", "/ui/system", "/ui/schedules/tsk_x"):
        response = await app.http.get(path)
        assert (response.status_code, response.headers["location"]) == (303, "/ui/login")
    wrong = await app.http.post("/ui/login", data={"key": "guess"})
    assert wrong.status_code == 401 and "not the server's API key" in wrong.text
    await log_in(app)
    assert (await app.http.get("/ui/schedules")).status_code == 200
    await app.http.post("/ui/logout")
    app.http.cookies.clear()
    assert (await app.http.get("/ui/runs")).status_code == 303


async def test_forms_need_the_csrf_token(app: App) -> None:
    created = await api(
        app, "POST", "/v1/tasks",
        json={"agent_id": "a", "entrypoint_tag": "b", "executor_type": "echo",
              "when": "every hour"},
    )  # fmt: skip
    task_id = created.json()["task_id"]
    await log_in(app)
    page = (await app.http.get(f"/ui/schedules/{task_id}")).text
    forged = await app.http.post(
        f"/ui/schedules/{task_id}/pause", data={"csrf": "0" * 64, "note": "x"}
    )
    assert forged.status_code == 403
    assert (await api(app, "GET", f"/v1/tasks/{task_id}")).json()["status"] == "active"
    paused = await app.http.post(
        f"/ui/schedules/{task_id}/pause", data={"csrf": csrf_of(page), "note": "maintenance"}
    )
    assert (paused.status_code, paused.headers["location"]) == (303, f"/ui/schedules/{task_id}")
    shown = (await app.http.get(f"/ui/schedules/{task_id}")).text
    assert "Paused: maintenance" in shown and "Resume" in shown
    resumed = await app.http.post(f"/ui/schedules/{task_id}/resume", data={"csrf": csrf_of(shown)})
    assert resumed.status_code == 303
    triggered = await app.http.post(
        f"/ui/schedules/{task_id}/trigger", data={"csrf": csrf_of(shown)}
    )
    assert triggered.status_code == 303
    runs = (await api(app, "GET", f"/v1/tasks/{task_id}/runs")).json()["items"]
    assert any(run["trigger"] == "manual" for run in runs)


async def test_what_users_wrote_renders_inert(app: App) -> None:
    created = await api(
        app,
        "POST",
        "/v1/tasks",
        json={
            "agent_id": "a",
            "entrypoint_tag": "b",
            "executor_type": "echo",
            "name": SCRIPT,
            "params": {"payload": IMG, "other": SCRIPT},
        },
    )
    task_id = created.json()["task_id"]
    await app.until(lambda: app.finished(task_id))
    [run] = (await api(app, "GET", f"/v1/tasks/{task_id}/runs")).json()["items"]
    await log_in(app)
    pages = [
        (await app.http.get(path)).text
        for path in (
            "/ui/schedules",
            f"/ui/schedules/{task_id}",
            "/ui/runs",
            f"/ui/runs/{run['run_id']}",
        )
    ]
    for page in pages:
        assert "<script>alert" not in page
        assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0]
    assert "success" in pages[3] and "onerror" in pages[3]  # the result is shown, escaped


async def test_lists_filter_and_page(app: App) -> None:
    for n in range(3):
        await api(
            app, "POST", "/v1/tasks",
            json={"agent_id": f"agent{n}", "entrypoint_tag": "b", "executor_type": "echo",
                  "when": "every day at 9am", "name": f"job-{n}"},
        )  # fmt: skip
    await log_in(app)
    only = (await app.http.get("/ui/schedules", params={"agent_id": "agent1"})).text
    assert "job-1" in only and "job-0" not in only
    system = (await app.http.get("/ui/system")).text
    assert "echo" in system and "SCHEDULE_TIMEOUT" in system


async def test_the_live_preview_reads_when_with_the_servers_parser(app: App) -> None:
    assert (await app.http.get("/ui/preview", params={"when": "now"})).status_code == 401
    await log_in(app)
    read = await app.http.get(
        "/ui/preview", params={"when": "every weekday at 9:30", "timezone": "Europe/Paris"}
    )
    assert read.json()["description"] == "every weekday at 09:30 (Europe/Paris)"
    assert len(read.json()["next_runs"]) == 5
    typo = await app.http.get("/ui/preview", params={"when": "tomorow at 9"})
    assert typo.status_code == 422 and "did you mean 'tomorrow at 9'?" in typo.json()["error"]


async def test_a_schedule_created_through_the_form(app: App) -> None:
    await log_in(app)
    page = (await app.http.get("/ui/schedules/new")).text
    assert "SCHEDULE_TIMEOUT" in page  # the team-run timeout, warned about before saving
    fields = {
        "csrf": csrf_of(page),
        "name": "nightly",
        "executor_type": "echo",
        "agent_id": "agent",
        "entrypoint_tag": "run",
        "when": "every day at 2am",
        "timezone": "Europe/Paris",
        "params": '{"input": "report"}',
        "max_attempts": "2",
    }
    created = await app.http.post("/ui/schedules", data=fields)
    assert created.status_code == 303
    task = (
        await api(app, "GET", created.headers["location"].replace("/ui/schedules", "/v1/tasks"))
    ).json()
    assert (task["name"], task["timezone"], task["params"]) == (
        "nightly", "Europe/Paris", {"input": "report"},
    )  # fmt: skip
    assert task["retry"]["max_attempts"] == 2

    bad = await app.http.post("/ui/schedules", data={**fields, "params": "{not json"})
    assert bad.status_code == 422
    assert "params: not JSON" in bad.text
    assert "{not json" in bad.text  # what the user typed is kept
    forged = await app.http.post("/ui/schedules", data={**fields, "csrf": "f" * 64})
    assert forged.status_code == 403
