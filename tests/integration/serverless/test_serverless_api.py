"""``GET /v1/executors``, auto selection, and create-time checks of serverless tasks (the app
in-process on a real SQLite database)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.delivery_outbox.support import App

ENABLED = {"ENABLE_SERVERLESS_INTEGRATION": "true"}
WITH_KEY = {**ENABLED, "RUNAGENT_SERVERLESS_API_KEY": "ra-key"}


async def create(app: App, **fields: Any) -> Any:
    body = {"agent_id": "agent-1", "entrypoint_tag": "answer", "when": "in 1 hour", **fields}
    return await app.http.post("/v1/tasks", json=body)


def by_name(listing: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in listing["items"]}


async def test_listing_says_why_serverless_is_unavailable(sqlite_url: str) -> None:
    async with App(sqlite_url) as app:
        listing = (await app.http.get("/v1/executors")).json()
    items = by_name(listing)
    assert {"echo", "local", "serverless", "team"} <= set(items)
    assert items["local"] == {"name": "local", "available": True, "reason": None}
    assert items["serverless"]["available"] is False
    assert "ENABLE_SERVERLESS_INTEGRATION is false" in items["serverless"]["reason"]
    assert listing["default_executor"] == "auto"
    assert listing["resolved_default"] == "local"


@pytest.mark.parametrize(
    ("env", "resolved", "note"),
    [
        ({}, "local", None),
        (ENABLED, "local", "RUNAGENT_SERVERLESS_API_KEY is not set"),
        (WITH_KEY, "serverless", None),
    ],
    ids=["disabled", "enabled-no-key", "enabled-with-key"],
)
async def test_auto_picks_serverless_only_when_enabled_with_a_key(
    sqlite_url: str, env: dict[str, str], resolved: str, note: str | None
) -> None:
    async with App(sqlite_url, **env) as app:
        listing = (await app.http.get("/v1/executors")).json()
        task = await create(app, executor_type="echo" if resolved == "local" else None)
    assert listing["resolved_default"] == resolved
    reason = by_name(listing)["serverless"]["reason"]
    assert (note in reason) if note else (reason is None or "ENABLE" in reason)
    assert task.status_code == 201, task.text


async def test_auto_without_executor_type_runs_on_serverless(sqlite_url: str) -> None:
    async with App(sqlite_url, **WITH_KEY) as app:
        task = (await create(app)).json()
    assert task["executor_type"] == "serverless"


async def test_scheduling_onto_a_disabled_executor_says_how_to_enable_it(sqlite_url: str) -> None:
    async with App(sqlite_url) as app:
        refused = await create(app, executor_type="serverless")
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "invalid_target"
    assert "set ENABLE_SERVERLESS_INTEGRATION=true" in error["message"]


async def test_default_executor_serverless_when_disabled_is_refused(sqlite_url: str) -> None:
    async with App(sqlite_url, DEFAULT_EXECUTOR="serverless") as app:
        refused = await create(app)
    assert refused.status_code == 422
    assert "ENABLE_SERVERLESS_INTEGRATION" in refused.json()["error"]["message"]


async def test_a_cloud_agent_needs_the_key_but_a_served_agent_does_not(sqlite_url: str) -> None:
    async with App(sqlite_url, **ENABLED) as app:
        cloud = await create(app, executor_type="serverless")
        served = await create(
            app, executor_type="serverless", agent_host="127.0.0.1", agent_port=8450
        )
    assert cloud.status_code == 422
    assert "RUNAGENT_SERVERLESS_API_KEY" in cloud.json()["error"]["message"]
    assert served.status_code == 201, served.text
    task = served.json()
    assert (task["agent_host"], task["agent_port"]) == ("127.0.0.1", 8450)


@pytest.mark.parametrize(
    ("fields", "code", "words"),
    [
        ({"agent_host": "169.254.1.1", "agent_port": 80}, "unsafe_url", "link-local"),
        ({"agent_host": "metadata.google.internal", "agent_port": 80}, "unsafe_url", "metadata"),
        ({"agent_host": "127.0.0.1"}, "validation_error", "agent_host and agent_port go together"),
        ({"agent_port": 8450}, "validation_error", "go together"),
        ({"agent_host": "127.0.0.1", "agent_port": 0}, "validation_error", "agent_port"),
        ({"agent_host": "127.0.0.1", "agent_port": 70000}, "validation_error", "agent_port"),
        ({"agent_host": "bad host/x", "agent_port": 1}, "validation_error", "agent_host"),
        ({"agent_host": "h" * 254, "agent_port": 1}, "validation_error", "agent_host"),
    ],
    ids=[
        "link-local", "metadata-name", "host-only", "port-only", "port-0", "port-too-big",
        "bad-host", "long-host",
    ],
)  # fmt: skip
async def test_agent_host_and_port_are_validated(
    sqlite_url: str, fields: dict[str, Any], code: str, words: str
) -> None:
    async with App(sqlite_url, **ENABLED) as app:
        refused = await create(app, executor_type="serverless", **fields)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == code
    assert words in error["message"] + str(error["details"])


async def test_agent_host_is_only_for_serverless(sqlite_url: str) -> None:
    async with App(sqlite_url, **ENABLED) as app:
        refused = await create(app, executor_type="echo", agent_host="127.0.0.1", agent_port=1)
    assert refused.status_code == 422
    assert "executor_type='serverless'" in refused.json()["error"]["message"]
