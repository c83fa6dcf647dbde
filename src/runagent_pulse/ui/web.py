"""What every dashboard route shares: the templates, the request's session and services
(:class:`Page`), rendering and redirects, forms with their CSRF check, and one place that turns
errors into pages (:class:`DashboardRoute`)."""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import parse_qsl, quote, unquote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.routing import APIRoute

from runagent_pulse import __version__
from runagent_pulse.domain.errors import PulseError
from runagent_pulse.service import Services
from runagent_pulse.timespec import TimespecError
from runagent_pulse.ui import static
from runagent_pulse.ui.formatting import FILTERS, GLOBALS
from runagent_pulse.ui.session import COOKIE, MAX_AGE, Session, Sessions

if TYPE_CHECKING:
    import jinja2

PREFIX = "/ui"
FLASH = "pulse_flash"
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@functools.cache
def templates() -> jinja2.Environment:
    """The dashboard's templates, loaded by its first page: Jinja2 is ~15 ms of a start."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("runagent_pulse.ui", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(FILTERS)
    environment.globals.update(GLOBALS, version=__version__, static=static.url, prefix=PREFIX)
    return environment


class LoginRequired(Exception):
    """No valid session, and the server has an API key."""


class CsrfFailed(Exception):
    """A state-changing form without this session's token."""


def local_path(target: str | None, default: str = PREFIX) -> str:
    """``target`` if it is a dashboard path of this site (no open redirect), else ``default``."""
    if not target or not target.startswith(PREFIX) or target.startswith("//") or "\\" in target:
        return default
    return target


def _wants_page(request: Request) -> bool:
    path = request.url.path
    return request.method == "GET" and not path.startswith((f"{PREFIX}/live", f"{PREFIX}/preview"))


def standalone(request: Request, template: str, *, status: int = 200, **context: Any) -> Response:
    """A page rendered without a session (the login page, errors before one exists)."""
    body = (
        templates()
        .get_template(template)
        .render(request=request, csrf=None, section=None, flash=None, **context)
    )
    return HTMLResponse(body, status_code=status, headers=HEADERS)


def error_page(request: Request, status: int, title: str, message: str) -> Response:
    if not _wants_page(request) and request.method == "GET":
        return JSONResponse({"error": message}, status_code=status, headers=HEADERS)
    return standalone(request, "error.html", status=status, title=title, message=message)


class DashboardRoute(APIRoute):
    """A route whose errors become dashboard pages: the login page when there is no session,
    403 for a missing CSRF token, and the service's errors with their status."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                if _wants_page(request):
                    target = quote(str(request.url.path) + _query(request), safe="")
                    return RedirectResponse(f"{PREFIX}/login?next={target}", status_code=303)
                return error_page(request, 401, "Log in", "Log in first.")
            except CsrfFailed:
                message = (
                    "This form expired or did not come from this dashboard: go back, reload "
                    "the page and try again."
                )
                return error_page(request, 403, "Form expired", message)
            except PulseError as exc:
                status = exc.http_status if 400 <= exc.http_status < 500 else 500
                return error_page(request, status, "Cannot do that", exc.message)
            except (TimespecError, RequestValidationError) as exc:
                return error_page(request, 422, "Invalid request", str(exc))

        return handle


def _query(request: Request) -> str:
    return f"?{request.url.query}" if request.url.query else ""


def router() -> APIRouter:
    return APIRouter(prefix=PREFIX, route_class=DashboardRoute, include_in_schema=False)


class Page:
    """One dashboard request: its session (a new one is set on the response) and services."""

    def __init__(self, request: Request, sessions: Sessions) -> None:
        self.request = request
        self.services: Services = request.app.state.services
        self.sessions = sessions
        now = time.time()
        self.new_cookie: str | None = None
        session = sessions.read(request.cookies.get(COOKIE), now)
        if session is None:
            if sessions.login_required:
                raise LoginRequired
            self.new_cookie = sessions.issue(now)
            session = sessions.read(self.new_cookie, now)
        assert session is not None
        self.session: Session = session
        self.now = datetime.now(UTC)
        self._flash: tuple[str, bool] | None = None

    @property
    def here(self) -> str:
        """This page's path and query (where an action returns to)."""
        return str(self.request.url.path) + _query(self.request)

    def _finish(self, response: Response) -> Response:
        secure = self.request.url.scheme == "https"
        if self.new_cookie is not None:
            response.set_cookie(
                COOKIE,
                self.new_cookie,
                max_age=MAX_AGE,
                path=PREFIX,
                httponly=True,
                samesite="strict",
                secure=secure,
            )
        if self._flash is not None:
            message, failed = self._flash
            response.set_cookie(
                FLASH,
                quote(("!" if failed else "") + message),
                max_age=60,
                path=PREFIX,
                httponly=True,
                samesite="strict",
                secure=secure,
            )
        elif FLASH in self.request.cookies:
            response.delete_cookie(FLASH, path=PREFIX)
        return response

    def _read_flash(self) -> dict[str, Any] | None:
        raw = unquote(self.request.cookies.get(FLASH, ""))
        if not raw:
            return None
        return {"message": raw.removeprefix("!"), "error": raw.startswith("!")}

    def _html(self, template: str, **context: Any) -> str:
        """``template`` rendered with what every page and fragment gets, and ``context``."""
        shared = {
            "request": self.request,
            "csrf": self.session.csrf,
            "here": self.here,
            "now": self.now,
        }
        return templates().get_template(template).render(**shared, **context)

    def render(self, template: str, *, status: int = 200, **context: Any) -> Response:
        body = self._html(
            template,
            login_required=self.sessions.login_required,
            flash=self._read_flash(),
            **context,
        )
        return self._finish(HTMLResponse(body, status_code=status, headers=HEADERS))

    def fragment(self, template: str, **context: Any) -> Response:
        """A piece of a page for the live updates (no flash, no layout)."""
        body = self._html(template, **context)
        return self._finish(HTMLResponse(body, headers=HEADERS))

    def json(self, content: Any) -> Response:
        return self._finish(JSONResponse(content, headers=HEADERS))

    def redirect(self, target: str, flash: str | None = None, *, failed: bool = False) -> Response:
        if flash is not None:
            self._flash = (flash, failed)
        return self._finish(RedirectResponse(target, status_code=303))

    async def form(self, *, check: bool = True) -> dict[str, str]:
        """The posted form (``application/x-www-form-urlencoded``); raises CsrfFailed unless it
        carries this session's token (``check=False``: the caller checks :meth:`csrf_ok`)."""
        body = (await self.request.body()).decode("utf-8", errors="replace")
        fields = dict(parse_qsl(body, keep_blank_values=True))
        if check and not self.csrf_ok(fields):
            raise CsrfFailed
        return fields

    def csrf_ok(self, fields: dict[str, str]) -> bool:
        return self.sessions.csrf_matches(self.session, fields.get("csrf"))

    async def act(
        self, action: Callable[[], Awaitable[Any]], done: str, fields: dict[str, str]
    ) -> Response:
        """Run a button's action and go back where the form said (``back``), with a message."""
        back = local_path(fields.get("back"))
        try:
            await action()
        except PulseError as exc:
            return self.redirect(back, exc.message, failed=True)
        return self.redirect(back, done)


async def _page(request: Request) -> Page:
    return Page(request, request.app.state.dashboard_sessions)


PageDep = Annotated[Page, Depends(_page)]
