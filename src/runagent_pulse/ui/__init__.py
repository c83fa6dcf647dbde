"""The web dashboard, served by ``pulse serve`` at ``/ui`` (docs/dashboard.md): server-rendered
pages on the application layer, our own small CSS and JavaScript, nothing fetched at run time."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from runagent_pulse.service import Services
from runagent_pulse.ui.pages import ui_router
from runagent_pulse.ui.session import Sessions

__all__ = ["mount"]


def mount(app: FastAPI, services: Services, *, api_key: str | None) -> None:
    """Serve the dashboard at ``/ui`` (``/`` redirects there)."""
    app.include_router(ui_router(services, Sessions(api_key)))
    app.mount("/ui/static", StaticFiles(directory=Path(__file__).parent / "static"), "ui-static")

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui", status_code=307)
