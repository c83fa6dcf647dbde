"""Settings that need more than a type: database URLs, pool size, and the database clock."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from runagent_pulse.common.clock import DatabaseClock, ManualClock
from runagent_pulse.config import ConfigError, Settings, load_settings
from runagent_pulse.node import Node
from runagent_pulse.store.database import POOL_WAIT_SECONDS


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("sqlite:///./pulse-data/pulse.db", "sqlite+aiosqlite:///./pulse-data/pulse.db"),
        ("sqlite+aiosqlite:////tmp/p.db", "sqlite+aiosqlite:////tmp/p.db"),
        ("postgresql://u:p@db:5432/pulse", "postgresql+asyncpg://u:p@db:5432/pulse"),
        ("postgres://u@db/pulse", "postgresql+asyncpg://u@db/pulse"),
        ("postgresql+asyncpg://u@db/pulse", "postgresql+asyncpg://u@db/pulse"),
    ],
)
def test_database_urls_get_the_driver_pulse_uses(given: str, used: str) -> None:
    assert load_settings(PULSE_DATABASE_URL=given).database_url == used


@pytest.mark.parametrize(
    "url", ["postgresql+psycopg://u@db/pulse", "mysql://u@db/pulse", "pulse.db", ""]
)
def test_unsupported_database_urls_name_the_variable_and_the_accepted_forms(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(PULSE_DATABASE_URL=url)
    message = str(caught.value)
    assert "PULSE_DATABASE_URL" in message
    assert "postgresql://" in message and "asyncpg" in message


def test_shutdown_grace_is_a_duration() -> None:
    assert load_settings(PULSE_SHUTDOWN_GRACE="1m30s").shutdown_grace == timedelta(seconds=90)
    with pytest.raises(ConfigError, match="PULSE_SHUTDOWN_GRACE"):
        load_settings(PULSE_SHUTDOWN_GRACE="soon")


def test_pool_size_reaches_each_nodes_postgresql_engine() -> None:
    settings = load_settings(PULSE_DATABASE_URL="postgresql://u@db/pulse", PULSE_DB_POOL_SIZE="3")
    assert Node(settings).db.engine.pool.size() == 3
    # An overloaded node waits for a connection instead of failing the run after 30 s.
    assert Node(settings).db.engine.pool.timeout() == POOL_WAIT_SECONDS
    with pytest.raises(ConfigError, match="PULSE_DB_POOL_SIZE"):
        load_settings(PULSE_DB_POOL_SIZE="0")


async def test_database_clock_takes_the_midpoint_of_the_round_trip() -> None:
    local = ManualClock(datetime(2026, 1, 1, 12, 0, 30, tzinfo=UTC))  # 30 s ahead
    database_time = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)

    async def read_database_time() -> datetime:
        local.advance(2)  # a slow round trip: 2 s there, 2 s back
        answer = database_time + timedelta(seconds=2)
        local.advance(2)
        return answer

    clock = DatabaseClock(local, read_database_time)
    await clock.sync()
    assert clock.offset == timedelta(seconds=-30)
    assert clock.now() == database_time + timedelta(seconds=4)


def test_pulse_listens_on_loopback_unless_told_otherwise() -> None:
    assert Settings().host == "127.0.0.1"


@pytest.mark.parametrize(
    ("host", "key", "warned"),
    [("0.0.0.0", None, True), ("0.0.0.0", "k", False), ("127.0.0.1", None, False)],
)
def test_listening_beyond_loopback_without_a_key_is_said_loudly(
    caplog: pytest.LogCaptureFixture, host: str, key: str | None, warned: bool
) -> None:
    from runagent_pulse.server import _warn_when_open

    settings = Settings(PULSE_HOST=host, PULSE_API_KEY=key)  # type: ignore[call-arg]
    with caplog.at_level(logging.WARNING):
        _warn_when_open(settings)
    assert ("without PULSE_API_KEY" in caplog.text) is warned
