"""Logging of Pulse's processes: Pulse's own loggers, and no third-party chatter.

Libraries log what they send and receive: SQLAlchemy SQL parameters and result rows (http task
headers, callback secrets, the server's webhook secret), websockets its request lines (the
RunAgent key travels in the stream URL), httpx and ``uvicorn.access`` URLs. So ``PULSE_DEBUG``
turns on debug for ``runagent_pulse.*`` only; every other logger stays at WARNING unless
``PULSE_DEBUG_LOGGERS`` names it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from runagent_pulse.observability.log_format import formatter

PULSE = "runagent_pulse"
PROGRESS_LOGGERS = ("uvicorn.error", "alembic.runtime.migration")
"""Third-party loggers whose INFO lines say what the process does (listening on a port, running
a migration) and carry no request data."""


def configure_logging(
    *, debug: bool = False, debug_loggers: Iterable[str] = (), log_format: str = "text"
) -> None:
    """Log to stderr in ``log_format`` (``text`` or ``json``): Pulse at INFO (DEBUG with
    ``debug``), a few progress lines, warnings and errors of everything else, and
    ``debug_loggers`` (e.g. ``sqlalchemy.engine``) at DEBUG."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(log_format))
    logging.basicConfig(handlers=[handler])
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger(PULSE).setLevel(logging.DEBUG if debug else logging.INFO)
    for name in PROGRESS_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    for name in debug_loggers:
        logging.getLogger(name).setLevel(logging.DEBUG)
