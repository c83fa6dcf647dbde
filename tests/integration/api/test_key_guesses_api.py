"""An address that keeps sending wrong API keys is held back (429, ``Retry-After``) on the API and
the dashboard's login alike, whatever key it sends meanwhile; other addresses are not, and the
address goes on once its window ends (the real app, over ASGI, with the limit's clock moved)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from runagent_pulse.common.key_guesses import WINDOW_SECONDS, WRONG_KEYS_PER_WINDOW
from tests.integration.delivery_outbox.support import App
from tests.support.ticks import Ticks

KEY = "the-right-key-for-these-tests"


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    async with App(f"sqlite+aiosqlite:///{tmp_path / 'pulse.db'}", PULSE_API_KEY=KEY) as running:
        yield running


def client_at(app: App, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app.app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://pulse")


def bearer(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


async def test_wrong_keys_hold_an_address_back_on_the_api_and_the_login(app: App) -> None:
    ticks = Ticks()
    app.app.state.key_guesses.clock = ticks
    async with client_at(app, "203.0.113.7") as guesser, client_at(app, "198.51.100.1") as other:
        for _ in range(WRONG_KEYS_PER_WINDOW - 1):
            wrong = await guesser.get("/v1/tasks", headers=bearer("guess"))
            assert wrong.status_code == 401
        login = await guesser.post("/ui/login", data={"key": "guess", "next": "/ui/tasks"})
        assert login.status_code == 401  # the last wrong key of the budget, by the login

        ticks.now += 15.2
        held = await guesser.get("/v1/tasks", headers=bearer(KEY))
        assert held.status_code == 429
        assert held.headers["retry-after"] == str(int(WINDOW_SECONDS) - 15)
        error = held.json()["error"]
        assert error["code"] == "rate_limited"
        assert "try again in 45 s" in error["message"]
        page = await guesser.post("/ui/login", data={"key": KEY, "next": "/ui/tasks"})
        assert page.status_code == 429
        assert "Too many wrong API keys" in page.text
        assert page.headers["retry-after"] == "45"

        assert (await other.get("/v1/tasks", headers=bearer(KEY))).status_code == 200
        assert (await guesser.get("/health")).status_code == 200

        ticks.now += 45
        assert (await guesser.get("/v1/tasks", headers=bearer(KEY))).status_code == 200
