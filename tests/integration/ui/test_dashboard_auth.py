"""Logging in to the dashboard with the API key, the session cookie, and CSRF protection of
every state-changing form (the real app through TestClient)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runagent_pulse.ui.session import COOKIE, Sessions
from tests.integration.ui.support import KEY, Dashboard, dashboard

PAGES = ["/ui/tasks", "/ui/tasks/new", "/ui/runs", "/ui/teams", "/ui/nodes"]
FRAGMENTS = ["/ui/live/tasks", "/ui/live/runs", "/ui/live/nodes", "/ui/preview?when=now"]


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    with dashboard(tmp_path_factory.mktemp("ui")) as found:
        yield found


@pytest.fixture
def fresh(ui: Dashboard) -> Iterator[Dashboard]:
    """``ui`` with an empty cookie jar (logged out)."""
    ui.client.cookies.clear()
    yield ui
    ui.client.cookies.clear()


def test_root_leads_to_the_dashboard(fresh: Dashboard) -> None:
    assert fresh.get("/").headers["location"] == "/ui"
    assert fresh.get("/ui").headers["location"] == "/ui/tasks"


@pytest.mark.parametrize("path", PAGES)
def test_pages_send_to_the_login_page(fresh: Dashboard, path: str) -> None:
    response = fresh.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/ui/login?next=%2Fui%2F")


@pytest.mark.parametrize("path", FRAGMENTS)
def test_fragments_answer_401_without_a_session(fresh: Dashboard, path: str) -> None:
    response = fresh.get(path)
    assert response.status_code == 401
    assert "tsk_" not in response.text


def test_actions_answer_401_without_a_session(fresh: Dashboard) -> None:
    task = fresh.task(when="in 1 hour")
    response = fresh.post(f"/ui/tasks/{task['task_id']}/pause", {}, csrf=None)
    assert response.status_code == 401
    assert fresh.api("GET", f"/v1/tasks/{task['task_id']}")["status"] == "active"


def test_a_wrong_key_is_refused(fresh: Dashboard) -> None:
    response = fresh.client.post("/ui/login", data={"key": "nope", "next": "/ui/runs"})
    assert response.status_code == 401
    assert "not this server&#39;s API key" in response.text
    assert COOKIE not in fresh.client.cookies


def test_login_sets_a_strict_http_only_session_cookie(fresh: Dashboard) -> None:
    response = fresh.client.post(
        "/ui/login", data={"key": KEY, "next": "/ui/runs?status=failed"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/runs?status=failed"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    assert "Path=/ui" in cookie
    assert KEY not in cookie
    for path in PAGES + FRAGMENTS:
        assert fresh.get(path).status_code == 200, path


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/ui", "/v1/tasks"])
def test_login_never_redirects_off_the_dashboard(fresh: Dashboard, target: str) -> None:
    response = fresh.client.post(
        "/ui/login", data={"key": KEY, "next": target}, follow_redirects=False
    )
    assert response.headers["location"] == "/ui"


def _with_cookie(ui: Dashboard, value: str) -> int:
    ui.client.cookies.clear()
    ui.client.cookies.set(COOKIE, value, path="/ui")
    return ui.get("/ui/tasks").status_code


def test_forged_expired_and_foreign_sessions_are_refused(fresh: Dashboard) -> None:
    now = time.time()
    genuine = Sessions(KEY).issue(now)
    assert _with_cookie(fresh, genuine) == 200
    nonce, expires, signature = genuine.split(".")
    assert _with_cookie(fresh, f"{nonce}.{int(expires) + 9999}.{signature}") == 303
    assert _with_cookie(fresh, f"{nonce}x.{expires}.{signature}") == 303
    assert _with_cookie(fresh, Sessions("another-key").issue(now)) == 303
    assert _with_cookie(fresh, Sessions(KEY).issue(now - 8 * 24 * 3600)) == 303
    assert _with_cookie(fresh, "garbage") == 303


def test_state_changes_need_this_sessions_csrf_token(fresh: Dashboard) -> None:
    fresh.login()
    task_id = fresh.task(when="in 1 hour")["task_id"]
    other = Sessions(KEY).read(Sessions(KEY).issue(time.time()), time.time())
    assert other is not None
    for token in (None, "", "forged", other.csrf):
        response = fresh.post(f"/ui/tasks/{task_id}/pause", {"back": "/ui/tasks"}, csrf=token)
        assert response.status_code == 403, token
        assert "form expired" in response.text.lower()
    assert fresh.api("GET", f"/v1/tasks/{task_id}")["status"] == "active"
    response = fresh.post(f"/ui/tasks/{task_id}/pause", {"back": "/ui/tasks", "note": "why"})
    assert response.status_code == 303
    assert fresh.api("GET", f"/v1/tasks/{task_id}")["pause_note"] == "why"


def test_logout_ends_the_session_in_this_browser(fresh: Dashboard) -> None:
    fresh.login()
    response = fresh.post("/ui/logout", {})
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/login"
    assert fresh.get("/ui/tasks").status_code == 303


def test_pages_forbid_inline_scripts_and_framing(fresh: Dashboard) -> None:
    fresh.login()
    headers = fresh.get("/ui/tasks").headers
    policy = headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert headers["cache-control"] == "no-store"


def test_without_an_api_key_there_is_no_login_but_forms_still_need_the_token(
    tmp_path: Path,
) -> None:
    with dashboard(tmp_path, key=None) as ui:
        assert ui.get("/ui/login").headers["location"] == "/ui"
        page = ui.get("/ui/tasks")
        assert page.status_code == 200
        assert "Log out" not in page.text
        task_id = ui.task(when="in 1 hour")["task_id"]
        assert ui.post(f"/ui/tasks/{task_id}/trigger", {}, csrf=None).status_code == 403
        assert ui.post(f"/ui/tasks/{task_id}/trigger", {}).status_code == 303
        assert ui.api("GET", f"/v1/tasks/{task_id}/runs")["items"][0]["trigger"] == "manual"
