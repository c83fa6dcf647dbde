"""What every ``/v1`` router shares: the API key check and the application's services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from runagent_pulse.api.auth import require_api_key
from runagent_pulse.service import Services

Limit = Annotated[int, Query(ge=1, le=500)]
Cursor = Annotated[str | None, Query(max_length=64)]


async def services(request: Request) -> Services:
    """The app's services (``async`` so FastAPI does not run it in a thread pool per request)."""
    return request.app.state.services  # type: ignore[no-any-return]


Svc = Annotated[Services, Depends(services)]


def v1_router(**kwargs: object) -> APIRouter:
    """A router under ``/v1`` whose every route requires the API key."""
    return APIRouter(prefix="/v1", dependencies=[Depends(require_api_key)], **kwargs)  # type: ignore[arg-type]
