"""The FastAPI application: routers, error mapping, auth and limits over the application layer.

It knows nothing of how a node is assembled: :func:`build_app` takes anything that starts, stops
and offers the :class:`~runagent_pulse.service.Services` (``runagent_pulse.node.Node``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from runagent_pulse import __version__
from runagent_pulse.api.auth import RequireApiKey
from runagent_pulse.api.errors import install_error_handlers
from runagent_pulse.api.limits import MAX_BODY_BYTES, BodySizeLimit
from runagent_pulse.api.metrics_routes import metrics_router
from runagent_pulse.api.run_routes import router as run_router
from runagent_pulse.api.system_routes import router as system_router
from runagent_pulse.api.task_routes import router as task_router
from runagent_pulse.api.team_routes import router as team_router
from runagent_pulse.api.url_guard import RefuseNul
from runagent_pulse.common.key_guesses import KeyGuessLimit
from runagent_pulse.service import Services


class Backend(Protocol):
    """What serves the API: started before the first request, stopped after the last."""

    services: Services

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def build_app(backend: Backend, *, api_key: str | None, metrics_public: bool = False) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await backend.start()
        app.state.ready = True
        try:
            yield
        finally:
            app.state.ready = False
            await backend.stop()

    app = FastAPI(
        title="Pulse",
        version=__version__,
        description="A self-hosted, durable scheduler for AI-agent executions.",
        lifespan=lifespan,
    )
    app.state.services = backend.services
    app.state.ready = False
    install_error_handlers(app)
    for router in (task_router, run_router, team_router, system_router):
        app.include_router(router)
    app.include_router(metrics_router(public=metrics_public))
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(RefuseNul)
    app.state.key_guesses = KeyGuessLimit()  # shared with the dashboard's login
    if api_key is not None:  # outermost: no body is read before the key is checked
        protected = ("/v1", "/mcp") if metrics_public else ("/v1", "/mcp", "/metrics")
        app.add_middleware(
            RequireApiKey, api_key=api_key, guesses=app.state.key_guesses, prefixes=protected
        )

    @app.get("/health", tags=["system"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", tags=["system"], responses={503: {"description": "starting or stopping"}})
    async def ready() -> JSONResponse:
        if app.state.ready:
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "starting"}, status_code=503)

    return app
