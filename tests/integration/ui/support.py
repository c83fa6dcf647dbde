"""The real app (``create_app``: API, dashboard, engine and workers) on SQLite, driven with
FastAPI's TestClient as a browser would: a cookie jar, forms and their CSRF tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from runagent_pulse.config import Settings
from runagent_pulse.server import create_app
from tests.support.waiting import wait_for

AGENTS = Path(__file__).resolve().parents[2] / "agents"
KEY = "dashboard-test-key"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
OWN = "(this session's token)"


class Dashboard:
    """A logged-in browser of the dashboard, and an API client of the same server."""

    def __init__(self, client: TestClient, key: str | None) -> None:
        self.client = client
        self.key = key
        self.api_headers = {"authorization": f"Bearer {key}"} if key else {}

    def login(self) -> None:
        response = self.client.post(
            "/ui/login", data={"key": self.key or "", "next": "/ui/tasks"}, follow_redirects=False
        )
        assert response.status_code == 303, response.text

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, follow_redirects=False, **kwargs)

    def csrf(self, path: str = "/ui/tasks") -> str:
        page = self.get(path)
        assert page.status_code == 200, page.text
        found = CSRF.search(page.text)
        assert found, "no CSRF token on the page"
        return found.group(1)

    def post(self, path: str, data: dict[str, str], *, csrf: str | None = OWN) -> httpx.Response:
        """Post a form with this session's token (``csrf=None``: without one)."""
        if csrf is OWN:
            csrf = self.csrf()
        fields = {**data, **({"csrf": csrf} if csrf is not None else {})}
        return self.client.post(path, data=fields, follow_redirects=False)

    # -- through the API, to set things up and check them
    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.client.request(method, path, headers=self.api_headers, **kwargs)
        assert response.status_code < 300, response.text
        return response.json()

    def task(self, **fields: Any) -> dict[str, Any]:
        body = {"agent_id": "agent", "entrypoint_tag": "run", "executor_type": "echo", **fields}
        return self.api("POST", "/v1/tasks", json=body)  # type: ignore[no-any-return]

    def settled(self, task_id: str, bound: float = 30.0) -> dict[str, Any]:
        """The task's result once its latest run settled."""
        found: dict[str, Any] = {}

        def done() -> bool:
            found.update(self.api("GET", f"/v1/tasks/{task_id}/result"))
            return found["status"] in ("completed", "failed")

        wait_for(done, bound, f"task {task_id} settled")
        return found


@contextmanager
def dashboard(tmp_path: Path, *, key: str | None = KEY, **env: str) -> Iterator[Dashboard]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        PULSE_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'pulse.db'}",
        LOCAL_AGENT_PATH=str(AGENTS),
        PULSE_LOCAL_WORKERS=1,
        **({"PULSE_API_KEY": key} if key else {}),
        **env,
    )
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        yield Dashboard(client, key)


class Tags(HTMLParser):
    """Every start tag of a page, with its attributes (to find markup that user input made)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def injected(html: str) -> list[str]:
    """Markup that can only come from an unescaped payload: an ``img`` tag, an inline event
    handler, or a ``script`` element with a body or a source that is not ours."""
    found = []
    for tag, attrs in Tags(html).tags:
        if tag == "img" or any(name.startswith("on") for name in attrs):
            found.append(f"<{tag} {attrs}>")
        if tag == "script" and not (attrs.get("src") or "").startswith("/ui/static/"):
            found.append(f"<script {attrs}>")
    if re.search(r"<script>|<img src=x", html, re.IGNORECASE):
        found.append("raw payload text")
    return found
