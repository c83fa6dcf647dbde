"""A whole Pulse app (engine + deliverer) on a manual clock, and a scriptable receiver."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from runagent_pulse.common.clock import ManualClock
from runagent_pulse.common.netguard import Resolver
from runagent_pulse.config import Settings
from runagent_pulse.node import Node
from runagent_pulse.server import create_app
from runagent_pulse.store.tables import deliveries, delivery_attempts, runs
from tests.integration.raw_http import raw_receiver, response
from tests.support.waiting import wait_until

BOUND = 15.0
"""Longest any test waits for a condition (real seconds)."""


receiver = raw_receiver
reply = response


def now_utc() -> datetime:
    """Real time, so signatures stay within the receivers' 5-minute tolerance."""
    return datetime.now(UTC).replace(microsecond=0)


class App:
    """``create_app`` with a manual clock, its lifespan running, and an HTTP client on it."""

    def __init__(self, db_url: str, *, resolver: Resolver | None = None, **env: str) -> None:
        values = {
            "PULSE_DATABASE_URL": db_url,
            "PULSE_CALLBACK_RETRY_SCHEDULE": "0,1s,1s,1s,1s",
            "PULSE_CALLBACK_TIMEOUT": "2s",
            "PULSE_RUN_RETENTION": "30d",
            **env,
        }
        self.settings = Settings(**values)  # type: ignore[arg-type]
        self.clock = ManualClock(now_utc())
        self.app: FastAPI = create_app(self.settings, clock=self.clock)
        self.node: Node = self.app.state.node
        self.node.deliverer.resolver = resolver
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://pulse"
        )
        self._lifespan: contextlib.AbstractAsyncContextManager[None] | None = None

    async def __aenter__(self) -> App:
        self._lifespan = self.app.router.lifespan_context(self.app)
        await self._lifespan.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()
        assert self._lifespan is not None
        await self._lifespan.__aexit__(None, None, None)

    async def schedule(self, url: str | None, **fields: Any) -> str:
        body = {
            "agent_id": "agent",
            "entrypoint_tag": "run",
            "executor_type": "echo",
            "when": "now",
            "callback_url": url,
            **fields,
        }
        response = await self.http.post("/v1/tasks", json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["task_id"])

    async def rows(self, stmt: Any) -> list[dict[str, Any]]:
        async with self.node.db.read() as conn:
            return [dict(r._mapping) for r in await conn.execute(stmt)]

    async def run_of(self, task_id: str) -> dict[str, Any]:
        found = await self.rows(sa.select(runs).where(runs.c.task_id == task_id))
        assert len(found) == 1, found
        return found[0]

    async def finished(self, task_id: str) -> bool:
        """Whether the task's only run has ended (its outbox row, if any, is then written)."""
        found = await self.rows(sa.select(runs.c.finished_at).where(runs.c.task_id == task_id))
        return bool(found) and found[0]["finished_at"] is not None

    async def deliveries_of(self, task_id: str) -> list[dict[str, Any]]:
        return await self.rows(
            sa.select(deliveries).where(deliveries.c.task_id == task_id).order_by(deliveries.c.id)
        )

    async def attempts_of(self, delivery_id: str) -> list[dict[str, Any]]:
        return await self.rows(
            sa.select(delivery_attempts)
            .where(delivery_attempts.c.delivery_id == delivery_id)
            .order_by(delivery_attempts.c.id)
        )

    async def until(self, check: Callable[[], Awaitable[Any]], bound: float = BOUND) -> Any:
        """Poll ``check`` until it returns something truthy (at most ``bound`` real seconds)."""
        return await wait_until(check, bound, "a condition of the app")

    async def delivery_where(
        self, task_id: str, predicate: Callable[[dict[str, Any]], bool]
    ) -> dict[str, Any]:
        async def check() -> dict[str, Any] | None:
            rows = await self.deliveries_of(task_id)
            return rows[0] if rows and predicate(rows[0]) else None

        result: dict[str, Any] = await self.until(check)
        return result

    def advance(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))
