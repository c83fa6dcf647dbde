"""Start-up time: a SQLite node loads only what it uses. Its HTTP connection pools (and the
connection stack under them) open with the first run that calls out, the WebSocket client with
the first streaming run, the dashboard's templates with its first page, and the PostgreSQL
driver is never loaded; each of them would add ~10 milliseconds or more to every restart. The
``pulse`` command loads the SDK (httpx, anyio's thread portal) only for the commands that call a
server, not for ``pulse serve``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

START_A_NODE = """
import asyncio, sys
from runagent_pulse.config import load_settings
from runagent_pulse.server import create_app

async def main():
    app = create_app(load_settings())
    async with app.router.lifespan_context(app):
        assert app.state.node.engine.node_id
    lazy = ("httpcore", "asyncpg", "websockets", "jinja2")
    print(sorted(name for name in lazy if name in sys.modules))

asyncio.run(main())
"""


def test_a_sqlite_node_starts_without_http_pools_websockets_or_the_postgresql_driver(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", START_A_NODE],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("PULSE_")},
            "PULSE_DATA_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_pulse_command_loads_the_sdk_only_for_commands_that_call_a_server() -> None:
    probe = (
        "import sys; from runagent_pulse.cli import app; "
        "import runagent_pulse.client as sdk; from runagent_pulse.client import PulseError; "
        "print('runagent_pulse.client._async' in sys.modules, sdk.PulseClient.__name__)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["False", "PulseClient"]
