"""What every ``/v1`` router shares: the API key check and the application's services."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from runagent_pulse.api.auth import bearer
from runagent_pulse.service import Services

Limit = Annotated[int, Query(ge=1, le=500)]
Cursor = Annotated[str | None, Query(max_length=64)]


async def services(request: Request) -> Services:
    """The app's services (``async`` so FastAPI does not run it in a thread pool per request)."""
    return request.app.state.services  # type: ignore[no-any-return]


Svc = Annotated[Services, Depends(services)]


class ErrorDetail(BaseModel):
    code: str = Field(description="stable, e.g. task_not_found, invalid_when, validation_error")
    message: str = Field(description="what was wrong and how to fix it")
    details: dict[str, Any] = Field(description="the field at fault, ids, limits…")


class ErrorBody(BaseModel):
    """Every error the API answers (a 4xx; a 5xx only for a bug)."""

    error: ErrorDetail


def error_response(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


ERRORS: dict[int | str, dict[str, Any]] = {
    400: error_response("malformed request"),
    401: error_response("unauthorized: missing or wrong API key (when PULSE_API_KEY is set)"),
    404: error_response("not found: no such task, run, team or deployment"),
    409: error_response("conflict: the object's status does not allow the action"),
    413: error_response("payload_too_large"),
    415: error_response("unsupported_media_type"),
    422: error_response("validation_error, invalid_when, invalid_target, unsafe_url, …"),
}
"""The error responses every ``/v1`` operation documents, with Pulse's real error body."""


def v1_router(**kwargs: Any) -> APIRouter:
    """A router under ``/v1`` that documents the API key (``RequireApiKey`` enforces it) and
    Pulse's error responses."""
    return APIRouter(prefix="/v1", dependencies=[Depends(bearer)], responses=ERRORS, **kwargs)
