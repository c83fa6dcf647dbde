from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from runagent_pulse import PulseClient
from tests.acceptance.server import PulseServer
from tests.conftest import BACKENDS, fresh_postgres

API_KEY = "test-key-123"


@pytest.fixture(scope="module", params=BACKENDS)
def backend_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database URL per backend, shared by a test module (PostgreSQL: a fresh database)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'pulse.db'}"
        return
    with fresh_postgres() as url:
        yield url


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, backend_url: str) -> Iterator[PulseServer]:
    """One ``pulse serve`` per test module and backend (no API key; http responses capped at
    2048 bytes)."""
    srv = PulseServer(
        tmp_path_factory.mktemp("pulse"),
        env={"PULSE_RUN_TIMEOUT": "20s", "PULSE_HTTP_MAX_RESPONSE_BYTES": "2048"},
        database_url=backend_url,
    )
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def pulse(server: PulseServer) -> Iterator[PulseClient]:
    """An SDK client of ``server``."""
    with PulseClient(server_url=server.url) as client:
        yield client


@pytest.fixture(scope="module")
def secured_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseServer]:
    """A ``pulse serve`` that requires ``API_KEY``."""
    srv = PulseServer(tmp_path_factory.mktemp("pulse"), env={"PULSE_API_KEY": API_KEY})
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[PulseServer]:
    """A server of the test's own, for tests that kill it."""
    srv = PulseServer(tmp_path)
    yield srv
    srv.stop()
