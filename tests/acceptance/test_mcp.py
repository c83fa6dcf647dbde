"""The MCP server, driven by the official SDK's client over both transports against a real
``pulse serve``: streamable HTTP at ``/mcp``, and ``pulse mcp`` (stdio, relayed to it)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.acceptance.server import PulseServer

KEY = "mcp-test-key-42"
TOOLS = {
    "schedule_agent",
    "schedule_team",
    "preview_when",
    "list_schedules",
    "get_schedule",
    "pause_schedule",
    "resume_schedule",
    "trigger_now",
    "cancel_schedule",
    "list_runs",
    "get_run",
    "get_conversation",
    "list_executors",
}
BOUND = 30.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseServer]:
    srv = PulseServer(
        tmp_path_factory.mktemp("pulse"),
        env={
            "PULSE_MCP": "true",
            "PULSE_API_KEY": KEY,
            "PULSE_MCP_MAX_ACTIVE_SCHEDULES": "4",
            "PULSE_MCP_MIN_INTERVAL": "60s",
        },
    )
    srv.start()
    yield srv
    srv.stop()


@asynccontextmanager
async def session(server: PulseServer, transport: str) -> AsyncIterator[ClientSession]:
    if transport == "http":
        headers = {"Authorization": f"Bearer {KEY}"}
        async with (
            httpx2.AsyncClient(headers=headers) as http,
            streamable_http_client(f"{server.url}/mcp", http_client=http) as streams,
            ClientSession(streams[0], streams[1]) as client,
        ):
            await client.initialize()
            yield client
        return
    command = StdioServerParameters(
        command=sys.executable,
        args=["-c", "from runagent_pulse.cli import main; main()", "mcp"],
        env={"PULSE_SERVER_URL": server.url, "PULSE_API_KEY": KEY},
    )
    async with (
        stdio_client(command) as (read, write),
        ClientSession(read, write) as client,
    ):
        await client.initialize()
        yield client


async def call(client: ClientSession, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return dict(result.structured_content)


async def error_of(client: ClientSession, tool: str, **arguments: Any) -> str:
    result = await client.call_tool(tool, arguments)
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert "Traceback" not in text
    return str(text)


TRANSPORTS = ["http", "stdio"]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_the_tools_their_schemas_and_hints(server: PulseServer, transport: str) -> None:
    async with session(server, transport) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == TOOLS
    schedule = tools["schedule_agent"]
    assert set(schedule.input_schema["required"]) == {"agent_id", "entrypoint_tag"}
    assert "every weekday at 9:30" in schedule.input_schema["properties"]["when"]["description"]
    assert schedule.description and "Schedule an agent" in schedule.description
    for name in ("preview_when", "list_schedules", "get_schedule", "get_run", "list_runs"):
        hints = tools[name].annotations
        assert hints is not None and hints.read_only_hint is True, name
    cancel = tools["cancel_schedule"].annotations
    assert cancel is not None and cancel.destructive_hint is True
    pause = tools["pause_schedule"].annotations
    assert pause is not None and (pause.read_only_hint, pause.idempotent_hint) == (False, True)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_schedule_then_read_the_result_pause_and_resume(
    server: PulseServer, transport: str
) -> None:
    async with session(server, transport) as client:
        preview = await call(client, "preview_when", when="in 2 seconds")
        assert preview["kind"] == "once"
        task = await call(
            client,
            "schedule_agent",
            agent_id="simple_agent",
            entrypoint_tag="echo",
            when="in 2 seconds",
            params={"message": "from an agent"},
            executor_type="local",
        )
        async with asyncio.timeout(BOUND):
            while True:
                runs = (await call(client, "list_runs", task_id=task["task_id"]))["items"]
                if runs and runs[0]["status"] == "success":
                    break
                await asyncio.sleep(0.2)
        run = await call(client, "get_run", run_id=runs[0]["run_id"])
        assert run["status"] == "success"
        assert run["result"] == {"message": "from an agent"}

        daily = await call(
            client, "schedule_agent", agent_id="simple_agent", entrypoint_tag="echo",
            when="every day at 9am",
        )  # fmt: skip
        paused = await call(client, "pause_schedule", task_id=daily["task_id"], note="holiday week")
        assert (paused["status"], paused["pause_note"]) == ("paused", "holiday week")
        resumed = await call(client, "resume_schedule", task_id=daily["task_id"])
        assert (resumed["status"], resumed["pause_note"]) == ("active", None)
        await call(client, "cancel_schedule", task_id=daily["task_id"])


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_bad_when_is_a_readable_tool_error(server: PulseServer, transport: str) -> None:
    async with session(server, transport) as client:
        message = await error_of(
            client, "schedule_agent", agent_id="simple_agent", entrypoint_tag="echo",
            when="tomorow at 9",
        )  # fmt: skip
    assert "cannot understand when='tomorow at 9'" in message
    assert "did you mean 'tomorrow at 9'?" in message


async def test_the_guard_refuses_fast_schedules_and_too_many(server: PulseServer) -> None:
    async with session(server, "http") as client:
        fast = await error_of(
            client, "schedule_agent", agent_id="simple_agent", entrypoint_tag="echo",
            when="every 10 seconds",
        )  # fmt: skip
        assert "PULSE_MCP_MIN_INTERVAL" in fast and "every 10 s" in fast
        live = (await call(client, "list_schedules", status="active"))["items"]
        for _ in range(4 - len(live)):
            await call(
                client, "schedule_agent", agent_id="simple_agent", entrypoint_tag="echo",
                when="every day at 10am",
            )  # fmt: skip
        too_many = await error_of(
            client, "schedule_agent", agent_id="simple_agent", entrypoint_tag="echo",
            when="every day at 11am",
        )  # fmt: skip
        assert "PULSE_MCP_MAX_ACTIVE_SCHEDULES=4" in too_many


def test_http_needs_the_key(server: PulseServer) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    refused = httpx.post(f"{server.url}/mcp", json=body)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"


def test_stdio_says_what_to_do_when_the_server_does_not_serve_mcp(tmp_path: Path) -> None:
    import subprocess

    plain = PulseServer(tmp_path)  # PULSE_MCP is off
    plain.start()
    try:
        completed = subprocess.run(
            [sys.executable, "-c", "from runagent_pulse.cli import main; main()", "mcp"],
            env={"PATH": "/usr/bin:/bin", "PULSE_SERVER_URL": plain.url},
            input="",
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        plain.stop()
    assert completed.returncode == 1
    assert "start the server with PULSE_MCP=true" in completed.stderr
