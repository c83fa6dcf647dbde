"""``pulse serve`` refuses to start, with a clear message and exit code, on an invalid setting,
on a SQLite database another node uses, and on a port already in use."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from runagent_pulse.cli import output
from tests.acceptance.server import PulseServer
from tests.support.processes import PULSE_CLI


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PULSE_PORT", "eighty"),
        ("PULSE_TIMEZONE", "Mars/Olympus_Mons"),
        ("PULSE_RUN_TIMEOUT", "forever"),
        ("DEFAULT_EXECUTOR", "quantum"),
        ("PULSE_MAX_CONCURRENT_RUNS", "0"),
        ("SCHEDULE_TIMEOUT", "5 parsecs"),
    ],
)
def test_invalid_setting_stops_start_up(tmp_path: Path, variable: str, value: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-c", "from runagent_pulse.cli import main; main()", "serve"],
        env={
            **os.environ,
            variable: value,
            "PULSE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/p.db",
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert variable in completed.stderr
    assert "Traceback" not in completed.stderr


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PULSE_PORT=not-a-port\n")
    env = {k: v for k, v in os.environ.items() if k != "PULSE_PORT"}
    completed = subprocess.run(
        [sys.executable, "-c", "from runagent_pulse.cli import main; main()", "serve"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert "PULSE_PORT" in completed.stderr


def run_pulse(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PULSE_CLI, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_second_node_on_one_sqlite_database_is_refused_before_it_starts(
    tmp_path: Path,
) -> None:
    first = PulseServer(tmp_path).start()
    try:
        for command in (["serve"], ["worker"], ["db", "upgrade"]):
            second = run_pulse(command, env=first.env, cwd=tmp_path)
            assert second.returncode == output.EXIT_INPUT, second.stderr
            assert str(first.db_path) in second.stderr
            assert f"pid {first.pid}" in second.stderr
            assert "PostgreSQL" in second.stderr
            assert "SQLiteImpl" not in second.stderr  # refused before the migrations
            assert "Traceback" not in second.stderr
        assert httpx.get(f"{first.url}/ready").status_code == 200
    finally:
        first.stop()
    # The lock goes with its process: the database is free again.
    PulseServer(tmp_path).start().stop()


def test_a_port_in_use_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            **os.environ,
            "PULSE_HOST": "127.0.0.1",
            "PULSE_PORT": str(port),
            "PULSE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/p.db",
        }
        done = run_pulse(["serve"], env=env, cwd=tmp_path)
    assert done.returncode == output.EXIT_PORT_IN_USE, done.stderr
    assert f"127.0.0.1:{port}" in done.stderr
    assert "--port" in done.stderr and "PULSE_PORT" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "p.db").exists()  # nothing was migrated


@pytest.mark.postgres
def test_db_upgrade_prints_the_database_url_without_its_password(
    tmp_path: Path, postgres_url: str
) -> None:
    # The test server trusts local connections: any password is accepted.
    url = make_url(postgres_url).set(password="s3cret-pw").render_as_string(hide_password=False)
    done = run_pulse(["db", "upgrade", "--database-url", url], env=dict(os.environ), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Database is up to date: postgresql+asyncpg://postgres:***@" in done.stdout
    assert "s3cret-pw" not in done.stdout + done.stderr


def test_an_invalid_database_url_is_shown_without_its_password(tmp_path: Path) -> None:
    env = {**os.environ, "PULSE_DATABASE_URL": "mysql://pulse:s3cret-pw@db.internal/pulse"}
    done = run_pulse(["db", "upgrade"], env=env, cwd=tmp_path)
    assert done.returncode == output.EXIT_INPUT
    assert "mysql://pulse:***@db.internal/pulse" in done.stderr
    assert "s3cret-pw" not in done.stdout + done.stderr
