"""Logging in with the API key, logging out, and ``/`` leading to the dashboard."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from runagent_pulse.common.key_guesses import KeyGuessLimit, client_address, refusal
from runagent_pulse.ui.session import COOKIE, MAX_AGE, Sessions
from runagent_pulse.ui.web import PREFIX, PageDep, local_path, router, standalone

routes = router()
root = APIRouter(include_in_schema=False)


@root.get("/")
async def home() -> Response:
    return RedirectResponse(PREFIX, status_code=307)


@routes.get("")
async def dashboard_home() -> Response:
    return RedirectResponse(f"{PREFIX}/tasks", status_code=307)


def _sessions(request: Request) -> Sessions:
    return request.app.state.dashboard_sessions  # type: ignore[no-any-return]


@routes.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    if not _sessions(request).login_required:
        return RedirectResponse(local_path(next), status_code=303)
    return standalone(request, "login.html", next=local_path(next), error=None)


@routes.post("/login")
async def login(request: Request) -> Response:
    sessions = _sessions(request)
    guesses: KeyGuessLimit = request.app.state.key_guesses
    address = client_address(request.scope)
    fields = dict(parse_qsl((await request.body()).decode("utf-8", errors="replace")))
    target = local_path(fields.get("next"))
    wait = guesses.wait(address)
    if wait:
        page = standalone(request, "login.html", status=429, next=target, error=refusal(wait))
        page.headers["Retry-After"] = str(wait)
        return page
    if not sessions.key_matches(fields.get("key", "")):
        guesses.wrong(address)
        message = "That is not this server's API key (PULSE_API_KEY)."
        return standalone(request, "login.html", status=401, next=target, error=message)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        sessions.issue(time.time()),
        max_age=MAX_AGE,
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@routes.post("/logout")
async def logout(page: PageDep) -> Response:
    await page.form()
    response = RedirectResponse(f"{PREFIX}/login", status_code=303)
    response.delete_cookie(COOKIE, path=PREFIX)
    return response
