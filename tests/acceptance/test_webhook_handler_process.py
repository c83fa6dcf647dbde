"""A real ``pulse webhook-handler``: where it listens by default, what it says about who may
post and read, and a port in use."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import httpx
import psutil
import pytest

from runagent_pulse.cli import output
from runagent_pulse.delivery import generate_secret
from tests.acceptance.server import WebhookHandler
from tests.support.processes import PULSE_CLI

SECRET = generate_secret()


def listening_on(pid: int) -> set[str]:
    return {
        connection.laddr.ip
        for connection in psutil.Process(pid).net_connections(kind="tcp")
        if connection.status == psutil.CONN_LISTEN
    }


@pytest.mark.parametrize(
    ("secret", "address"), [(None, "127.0.0.1"), (SECRET, "0.0.0.0")], ids=["no-secret", "secret"]
)
def test_without_a_secret_it_listens_on_loopback_and_says_posts_are_open(
    tmp_path: Path, secret: str | None, address: str
) -> None:
    handler = WebhookHandler(tmp_path / "results", secret=secret, host=None).start()
    try:
        assert listening_on(handler.pid) == {address}
        reads = httpx.get(f"{handler.url}/tsk_1")
    finally:
        handler.stop()
    log = handler.log()
    if secret is None:
        assert "WARNING" in log and "UNAUTHENTICATED" in log
        assert reads.status_code == 403
    else:
        assert "UNAUTHENTICATED" not in log
        assert reads.status_code == 401


def test_the_read_token_command_opens_the_reads(tmp_path: Path) -> None:
    handler = WebhookHandler(tmp_path / "results", secret=SECRET).start()
    env = {**os.environ, "PULSE_WEBHOOK_SECRET": SECRET}
    try:
        token = subprocess.run(
            [*PULSE_CLI, "webhook", "read-token"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
        index = httpx.get(handler.url, headers={"Authorization": f"Bearer {token}"})
    finally:
        handler.stop()
    assert index.status_code == 200
    assert index.json() == {"tasks": [], "count": 0}
    assert token not in handler.log()


def test_a_port_in_use_is_refused(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [*PULSE_CLI, "webhook-handler", "--host", "127.0.0.1", "--port", str(port)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == output.EXIT_PORT_IN_USE, done.stderr
    assert f"127.0.0.1:{port}" in done.stderr and "--port" in done.stderr
    assert not (tmp_path / "webhook-results").exists()  # refused before anything started
