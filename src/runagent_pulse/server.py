"""Entry points behind ``pulse serve``, ``pulse worker``, ``pulse db upgrade`` and
``pulse webhook secret``."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from typing import TYPE_CHECKING

import uvicorn

from runagent_pulse.common.clock import Clock
from runagent_pulse.common.listener import PortInUse, bind_listener
from runagent_pulse.common.urls import hide_password
from runagent_pulse.config import Settings, load_settings
from runagent_pulse.node import Node
from runagent_pulse.observability import tracing
from runagent_pulse.observability.log_setup import configure_logging
from runagent_pulse.store.database import Database
from runagent_pulse.store.migrate import upgrade
from runagent_pulse.store.sqlite_lock import DatabaseInUse, node_lock

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = [
    "DatabaseInUse",
    "McpUnavailable",
    "PortInUse",
    "create_app",
    "run_mcp_bridge",
    "run_worker",
    "serve",
    "show_webhook_secret",
    "upgrade_database",
]

log = logging.getLogger(__name__)


def _settings(**overrides: object) -> Settings:
    return load_settings(**{k: v for k, v in overrides.items() if v is not None})


def _configure_logging(settings: Settings) -> None:
    configure_logging(
        debug=settings.debug, debug_loggers=settings.debug_loggers, log_format=settings.log_format
    )
    tracing.configure_from_environment()


def _warn_when_open(settings: Settings) -> None:
    """Say loudly when anyone on the network may schedule work: a non-loopback address and no
    ``PULSE_API_KEY``."""
    loopback = settings.host in ("localhost", "::1") or settings.host.startswith("127.")
    if settings.api_key is None and not loopback:
        log.warning(
            "listening on %s without PULSE_API_KEY: anyone who can reach this port can schedule "
            "and read runs; set PULSE_API_KEY (or PULSE_HOST=127.0.0.1)",
            settings.host,
            extra={"action": "api_unauthenticated"},
        )


def _mount_mcp(app: FastAPI, node: Node, settings: Settings) -> None:
    from runagent_pulse.mcp import McpLimits, build_server
    from runagent_pulse.mcp.http import mount

    limits = McpLimits(
        max_active_schedules=settings.mcp_max_active_schedules,
        min_interval_seconds=settings.mcp_min_interval.total_seconds(),
    )
    server = build_server(node.services, limits, default_timezone=settings.timezone)
    mount(app, server, allowed_hosts=settings.mcp_allowed_hosts)


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    """The API and the dashboard of one node (``app.state.node``) on ``settings``."""
    from runagent_pulse.api.app import build_app
    from runagent_pulse.ui import install_dashboard

    node = Node(settings, clock=clock)
    api_key = settings.api_key.get_secret_value() if settings.api_key is not None else None
    app = build_app(
        node,
        api_key=api_key,
        metrics_public=settings.metrics_public,
    )
    install_dashboard(app, api_key=api_key)
    app.state.node = node
    if settings.mcp_enabled:
        _mount_mcp(app, node, settings)
    if tracing.active():
        tracing.instrument_app(app)
    return app


YOUNG_OBJECTS_PER_COLLECTION = 20_000
"""Python collects its youngest generation every 700 new container objects by default; a run
makes a few hundred that reference counting frees anyway, so collections came every few runs
and the older generation's (~0.7 ms each) stretched the due → start lag's tail."""


def _tune_garbage_collection() -> None:
    """Move every object alive now (modules, schemas, the app and its routes) out of the
    garbage collector's sight: they live as long as the process, and scanning them at every
    full collection cost a 10,000-run burst ~0.3 s. Then collect less often, and resume
    collection if the start-up paused it (``pulse serve`` and ``pulse worker`` do)."""
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS_PER_COLLECTION, older, oldest)
    gc.enable()


def serve(
    host: str | None = None, port: int | None = None, database_url: str | None = None
) -> None:
    """Run the API, the engine and the workers in this process until interrupted.

    Raises:
        DatabaseInUse: another node uses this SQLite database.
        PortInUse: the address is taken (checked before anything starts).
    """
    settings = _settings(PULSE_HOST=host, PULSE_PORT=port, PULSE_DATABASE_URL=database_url)
    _configure_logging(settings)
    _warn_when_open(settings)
    with node_lock(settings.database_url, "serve"):
        choose = "--port or PULSE_PORT"
        with bind_listener(settings.host, settings.port, choose=choose) as listener:
            app = create_app(settings)
            _tune_garbage_collection()
            config = uvicorn.Config(
                app,
                log_config=None,  # configure_logging's levels decide, the access log included
                log_level=None,
                timeout_graceful_shutdown=10,
                ws="none",  # no WebSocket route: an upgrade is answered as plain HTTP (404)
            )
            log.info("serving the API on http://%s:%d", settings.host, settings.port)
            uvicorn.Server(config).run(sockets=[listener])


def run_worker(database_url: str | None = None) -> None:
    """Run the engine and workers without the API (scale-out on a shared PostgreSQL).

    Raises:
        DatabaseInUse: another node uses this SQLite database.
    """
    settings = _settings(PULSE_DATABASE_URL=database_url)
    _configure_logging(settings)

    async def main() -> None:
        node = Node(settings, role="worker")
        _tune_garbage_collection()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await node.start()
        log.info("worker %s running", node.engine.node_id)
        try:
            await stop.wait()
        finally:
            await node.stop()

    with node_lock(settings.database_url, "worker"):
        asyncio.run(main())


def upgrade_database(database_url: str | None = None) -> None:
    """Apply every pending migration.

    Raises:
        DatabaseInUse: a node runs on this SQLite database (it migrates it when it starts).
    """
    settings = _settings(PULSE_DATABASE_URL=database_url)

    async def main() -> None:
        db = Database(settings.database_url)
        try:
            await upgrade(db)
        finally:
            await db.dispose()

    with node_lock(settings.database_url, "db upgrade"):
        asyncio.run(main())
    print(f"Database is up to date: {hide_password(settings.database_url)}")


def run_mcp_bridge(server_url: str, api_key: str | None) -> None:
    """``pulse mcp``: relay a desktop MCP client's stdio to ``server_url``/mcp.

    Raises:
        McpUnavailable: the server is unreachable, does not serve MCP, or refuses the key.
    """
    from runagent_pulse.mcp.bridge import BridgeError, bridge

    logging.basicConfig(level=logging.WARNING)  # stderr only: stdout carries the protocol
    try:
        asyncio.run(bridge(server_url.rstrip("/") + "/mcp", api_key))
    except BridgeError as exc:
        raise McpUnavailable(str(exc)) from None


class McpUnavailable(Exception):
    """``pulse mcp`` cannot use the server (its message says what to do)."""


def show_webhook_secret(database_url: str | None = None) -> str:
    """The secret callbacks are signed with: ``PULSE_WEBHOOK_SECRET`` when set, otherwise the
    one stored in the database (generated and stored now if the server never started)."""
    from runagent_pulse.delivery.server_secret import load_server_secret

    settings = _settings(PULSE_DATABASE_URL=database_url)
    configured = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None

    async def main() -> str:
        db = Database(settings.database_url)
        try:
            if configured is None:
                await upgrade(db)
            return await load_server_secret(db, configured)
        finally:
            await db.dispose()

    return asyncio.run(main())
