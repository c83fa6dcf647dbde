"""Entry points behind ``pulse serve``, ``pulse worker``, ``pulse db upgrade`` and
``pulse webhook secret``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import TYPE_CHECKING

import uvicorn

from runagent_pulse.common.clock import Clock
from runagent_pulse.config import Settings, load_settings
from runagent_pulse.node import Node
from runagent_pulse.store.database import Database
from runagent_pulse.store.migrate import upgrade

if TYPE_CHECKING:
    from fastapi import FastAPI


def _settings(**overrides: object) -> Settings:
    return load_settings(**{k: v for k, v in overrides.items() if v is not None})


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=logging.DEBUG if settings.debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    """The API and the dashboard of one node (``app.state.node``) on ``settings``."""
    from runagent_pulse.api.app import build_app
    from runagent_pulse.ui import install_dashboard

    node = Node(settings, clock=clock)
    api_key = settings.api_key.get_secret_value() if settings.api_key else None
    app = build_app(node, api_key=api_key)
    install_dashboard(app, api_key=api_key)
    app.state.node = node
    return app


def serve(
    host: str | None = None, port: int | None = None, database_url: str | None = None
) -> None:
    """Run the API, the engine and the workers in this process until interrupted."""
    settings = _settings(PULSE_HOST=host, PULSE_PORT=port, PULSE_DATABASE_URL=database_url)
    _configure_logging(settings)
    app = create_app(settings)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="debug" if settings.debug else "info",
        access_log=settings.debug,
        timeout_graceful_shutdown=10,
    )


def run_worker(database_url: str | None = None) -> None:
    """Run the engine and workers without the API (scale-out on a shared PostgreSQL)."""
    settings = _settings(PULSE_DATABASE_URL=database_url)
    _configure_logging(settings)

    async def main() -> None:
        node = Node(settings, role="worker")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await node.start()
        logging.getLogger(__name__).info("worker %s running", node.engine.node_id)
        try:
            await stop.wait()
        finally:
            await node.stop()

    asyncio.run(main())


def upgrade_database(database_url: str | None = None) -> None:
    """Apply every pending migration."""
    settings = _settings(PULSE_DATABASE_URL=database_url)

    async def main() -> None:
        db = Database(settings.database_url)
        try:
            async with db.write() as conn:
                await upgrade(conn, settings.database_url)
        finally:
            await db.dispose()

    asyncio.run(main())
    print(f"Database is up to date: {settings.database_url}")


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
                async with db.write() as conn:
                    await upgrade(conn, settings.database_url)
            return await load_server_secret(db, configured)
        finally:
            await db.dispose()

    return asyncio.run(main())
