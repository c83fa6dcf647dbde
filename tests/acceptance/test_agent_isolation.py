"""What an agent can reach through a real ``pulse serve``: only functions its module defines,
only the environment the operator lets through, and a params mismatch fails once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.acceptance.server import PulseServer
from tests.support.waiting import wait_for

KEY = "isolation-key-7a2e"
SECRETS = {
    "PULSE_API_KEY": KEY,
    "PULSE_WEBHOOK_SECRET": "whsec_aXNvbGF0aW9uLXdlYmhvb2stc2VjcmV0",
    "RUNAGENT_SERVERLESS_API_KEY": "ra-isolation-secret",
}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PulseServer]:
    srv = PulseServer(
        tmp_path,
        env={
            **SECRETS,
            "OPENAI_API_KEY": "sk-passed-on-purpose",
            "UNLISTED_TOKEN": "not-passed",
            # Pulse's own secrets stay out even when a pattern names them.
            "PULSE_AGENT_ENV_PASSTHROUGH": "OPENAI_*,PULSE_*,RUNAGENT_*",
        },
    )
    srv.start()
    yield srv
    srv.stop()


def schedule(client: httpx.Client, **fields: Any) -> httpx.Response:
    body = {"executor_type": "local", "retry": {"max_attempts": 3, "backoff": 1}, **fields}
    return client.post("/v1/tasks", json=body)


def outcome(client: httpx.Client, task_id: str) -> dict[str, Any]:
    def settled() -> dict[str, Any] | None:
        result = client.get(f"/v1/tasks/{task_id}/result").json()
        return result if result["status"] in ("completed", "failed") else None

    wait_for(settled, 30, "the run to settle")
    return dict(client.get(f"/v1/tasks/{task_id}/result").json())


def test_agents_see_the_allowed_environment_and_never_pulses_secrets(
    server: PulseServer,
) -> None:
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}) as client:
        task = schedule(client, agent_id="imports_os", entrypoint_tag="environment")
        assert task.status_code == 201, task.text
        seen = outcome(client, task.json()["task_id"])["result"]
    assert seen["OPENAI_API_KEY"] == "sk-passed-on-purpose"
    assert {"PATH", "PULSE_RUN_ID", "PULSE_TASK_ID", "PULSE_ATTEMPT"} <= set(seen)
    assert "UNLISTED_TOKEN" not in seen
    for name, secret in SECRETS.items():
        assert name not in seen
        assert secret not in str(seen)
    assert "PULSE_DATABASE_URL" not in seen


@pytest.mark.parametrize("tag", ["getenv", "system"])
def test_functions_an_agent_imports_are_refused_at_create_time(
    server: PulseServer, tag: str
) -> None:
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}) as client:
        response = schedule(client, agent_id="imports_os", entrypoint_tag=tag)
    assert response.status_code == 422
    assert "imported into 'imports_os' from 'os'" in response.json()["error"]["message"]


def test_a_typo_in_the_entrypoint_is_refused_with_a_suggestion(server: PulseServer) -> None:
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}) as client:
        response = schedule(client, agent_id="simple_agent", entrypoint_tag="proces")
    assert response.status_code == 422
    assert "did you mean 'process'?" in response.json()["error"]["message"]


def test_params_that_do_not_fit_fail_once_without_retries(server: PulseServer) -> None:
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}) as client:
        task = schedule(
            client, agent_id="simple_agent", entrypoint_tag="process", params={"text": "hi"}
        )
        result = outcome(client, task.json()["task_id"])
        runs = client.get(f"/v1/tasks/{task.json()['task_id']}/runs").json()["items"]
    assert result["status"] == "failed"
    assert result["error"].startswith("InvalidParams:")
    assert "missing 'input'; unexpected 'text'" in result["error"]
    assert len(runs) == 1
