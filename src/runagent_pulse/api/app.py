"""The FastAPI application: wires the store, executors and engine for one node."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from runagent_pulse import __version__
from runagent_pulse.api.auth import RequireApiKey
from runagent_pulse.api.delivery_routes import router as delivery_router
from runagent_pulse.api.errors import install_error_handlers
from runagent_pulse.api.event_routes import router as event_router
from runagent_pulse.api.limits import BodySizeLimit
from runagent_pulse.api.node_routes import router as node_router
from runagent_pulse.api.routes import router
from runagent_pulse.api.schemas import MAX_BODY_BYTES
from runagent_pulse.api.service import Defaults, TaskService
from runagent_pulse.api.team_routes import router as team_router
from runagent_pulse.api.url_guard import RefuseNul
from runagent_pulse.common.clock import Clock
from runagent_pulse.config import Settings
from runagent_pulse.node import Node

log = logging.getLogger(__name__)


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    node = Node(settings, clock=clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await node.start()
        app.state.service = TaskService(
            node.engine,
            Defaults(
                timezone=settings.timezone,
                run_timeout_seconds=settings.run_timeout.total_seconds(),
                schedule_timeout_seconds=settings.schedule_timeout.total_seconds(),
                max_params_bytes=settings.max_params_bytes,
                callback_allow_private=settings.callback_allow_private,
            ),
        )
        app.state.ready = True
        try:
            yield
        finally:
            app.state.ready = False
            await node.stop()

    app = FastAPI(
        title="Pulse",
        version=__version__,
        description="A self-hosted, durable scheduler for AI-agent executions.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.node = node
    app.state.ready = False
    install_error_handlers(app)
    app.include_router(router)
    app.include_router(delivery_router)
    app.include_router(team_router)
    app.include_router(event_router)
    app.include_router(node_router)
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(RefuseNul)
    if settings.api_key is not None:  # outermost: no body is read before the key is checked
        app.add_middleware(RequireApiKey, api_key=settings.api_key.get_secret_value())

    @app.get("/health", tags=["system"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", tags=["system"], responses={503: {"description": "starting or stopping"}})
    async def ready() -> JSONResponse:
        if app.state.ready:
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "starting"}, status_code=503)

    return app
