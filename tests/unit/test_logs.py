"""PULSE_DEBUG means Pulse's own loggers; third-party ones only when PULSE_DEBUG_LOGGERS asks."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from runagent_pulse.config import load_settings
from runagent_pulse.observability.log_setup import configure_logging

THIRD_PARTY = ["sqlalchemy.engine", "httpx", "httpcore", "websockets.client", "uvicorn.access"]


@pytest.fixture(autouse=True)
def restored_levels() -> Iterator[None]:
    names = ["", "runagent_pulse", "uvicorn.error", "alembic.runtime.migration", *THIRD_PARTY]
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_debug_is_pulses_own_loggers_only() -> None:
    configure_logging(debug=True)
    assert logging.getLogger("runagent_pulse.store.database").isEnabledFor(logging.DEBUG)
    for name in THIRD_PARTY:
        assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING, name


def test_debug_loggers_opt_third_party_loggers_in() -> None:
    settings = load_settings(PULSE_DEBUG_LOGGERS="sqlalchemy.engine, httpx")
    assert settings.debug_loggers == ["sqlalchemy.engine", "httpx"]
    configure_logging(debug=settings.debug, debug_loggers=settings.debug_loggers)
    assert logging.getLogger("sqlalchemy.engine.Engine").isEnabledFor(logging.DEBUG)
    assert logging.getLogger("httpx").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("websockets.client").isEnabledFor(logging.INFO)
    assert not logging.getLogger("runagent_pulse").isEnabledFor(logging.DEBUG)
