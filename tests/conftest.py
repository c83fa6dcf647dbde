"""Fixtures shared by every tier: database URLs for each backend."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

POSTGRES_URL = os.environ.get(
    "PULSE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
AGENTS_DIR = Path(__file__).parent / "agents"
REPO_ROOT = Path(__file__).resolve().parent.parent


def _postgres_available() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'pulse.db'}"


async def _admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(POSTGRES_URL.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database on the local PostgreSQL, dropped afterwards.

    In CI (``CI=true``) a missing server fails the test instead of skipping it.
    """
    if not _postgres_available():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432 (required in CI)")
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    name = f"pulse_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each backend in turn (contract tests run against both)."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def agents_dir() -> Iterator[Path]:
    yield AGENTS_DIR


@pytest.fixture(scope="session")
def runagent_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real ``runagent serve`` of the test agent (``runagent_pulse.testing_runagent``).

    Its virtual environment is built on first use in ``.cache/runagent-venv``; when that fails
    the test is skipped locally and fails in CI (``CI=true``), where these tests must run.
    """
    from runagent_pulse.testing_runagent import RunagentServe, RunagentUnavailable, runagent_python

    try:
        python = runagent_python(REPO_ROOT / ".cache")
    except RunagentUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the runagent environment is required in CI: {exc}")
        pytest.skip(f"cannot build the runagent environment (runagent==0.1.49): {exc}")
    serve = RunagentServe(python, tmp_path_factory.mktemp("runagent")).start()
    try:
        yield serve
    finally:
        serve.stop()
