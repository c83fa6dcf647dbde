"""Every error leaves the API as ``{"error": {"code", "message", "details"}}`` with a 4xx."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from runagent_pulse.domain.errors import PulseError
from runagent_pulse.timespec import TimespecError

log = logging.getLogger(__name__)

_HTTP_CODES = {
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def error_response(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "details": details or {}}}, status_code=status
    )


def _describe_validation(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    problems = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error["loc"] if part != "body") or "body"
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append({"field": location, "message": message, "type": error["type"]})
    summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5])
    return f"Invalid request: {summary}", problems


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PulseError)
    async def _pulse(_: Request, exc: PulseError) -> JSONResponse:
        status = exc.http_status if 400 <= exc.http_status < 500 else 500
        return error_response(status, exc.code, exc.message, exc.details)

    @app.exception_handler(TimespecError)
    async def _when(_: Request, exc: TimespecError) -> JSONResponse:
        field = getattr(exc, "field", "when")
        return error_response(422, exc.code, str(exc), {"field": field})

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        message, problems = _describe_validation(exc)
        return error_response(422, "validation_error", message, {"errors": problems})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return error_response(500, "internal_error", "Internal server error; see the Pulse log.")
