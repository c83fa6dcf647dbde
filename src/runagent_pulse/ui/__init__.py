"""The dashboard: server-rendered pages at ``/ui`` over the application layer (``service``),
with a small script of our own for live updates and the schedule preview."""

from __future__ import annotations

from fastapi import FastAPI

from runagent_pulse.ui import (
    auth_routes,
    form_routes,
    run_routes,
    static,
    system_routes,
    task_routes,
)
from runagent_pulse.ui.session import Sessions

__all__ = ["install_dashboard"]


def install_dashboard(app: FastAPI, *, api_key: str | None) -> None:
    """Serve the dashboard from ``app`` (whose ``state.services`` it calls): ``/ui``, and ``/``
    leading there. With ``api_key``, every page needs a login with that key."""
    app.state.dashboard_sessions = Sessions(api_key)
    app.include_router(auth_routes.root)
    app.include_router(static.routes)
    # The form's /tasks/new comes before /tasks/{task_id}.
    for module in (auth_routes, form_routes, task_routes, run_routes, system_routes):
        app.include_router(module.routes)
