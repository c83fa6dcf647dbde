"""Fixtures shared by every tier: database URLs for each backend."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support import postgres

AGENTS_DIR = Path(__file__).parent / "agents"
REPO_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = postgres.postgres_server_url()
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
"""``params`` of fixtures that run a test once per database backend."""


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'pulse.db'}"


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """A fresh database on the test PostgreSQL server, dropped afterwards.

    In CI (``CI=true``) a missing server fails the test; elsewhere the test is skipped.
    """
    if not postgres.postgres_reachable(POSTGRES_URL):
        where = sa.make_url(POSTGRES_URL).render_as_string(hide_password=True)
        message = (
            f"PostgreSQL is not reachable at {where}: start PostgreSQL on 127.0.0.1:5432 "
            "(trust auth for user postgres) or set PULSE_TEST_POSTGRES_URL to enable these tests"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (required in CI)")
        pytest.skip(message)
    with postgres.postgres_database(POSTGRES_URL) as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with fresh_postgres() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest) -> str:
    """Each backend in turn (contract tests run against both)."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def agents_dir() -> Iterator[Path]:
    yield AGENTS_DIR


@pytest.fixture(scope="session")
def runagent_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real ``runagent serve`` of the test agent (``tests.support.runagent``).

    Its virtual environment is built on first use in ``.cache/runagent-venv``; when that fails
    the test is skipped locally and fails in CI (``CI=true``), where these tests must run.
    """
    from tests.support.runagent import RunagentServe, RunagentUnavailable, runagent_python

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
