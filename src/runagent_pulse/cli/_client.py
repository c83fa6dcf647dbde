"""The CLI's connection to a server: global options, the client seam, and error → exit code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from runagent_pulse.cli import output
from runagent_pulse.client.errors import (
    NotFoundError,
    PulseConnectionError,
    PulseError,
    PulseTimeoutError,
    RateLimitError,
    ServerError,
)

if TYPE_CHECKING:
    from runagent_pulse.client import PulseClient


@dataclass(frozen=True)
class Connection:
    """The global ``--server-url`` / ``--api-key`` options, kept in ``ctx.obj``."""

    server_url: str
    api_key: str | None


def _default_factory(*, server_url: str, api_key: str | None) -> PulseClient:
    from runagent_pulse.client import PulseClient  # the SDK loads httpx: not for `pulse serve`

    return PulseClient(server_url=server_url, api_key=api_key)


# The seam tests replace (e.g. with a factory whose PulseClient has an httpx.MockTransport).
client_factory: Callable[..., PulseClient] = _default_factory


def open_client(ctx: typer.Context) -> PulseClient:
    """A client for the server named by the global options (use it in a ``with`` block)."""
    connection = ctx.find_object(Connection) or Connection("http://localhost:8000", None)
    return client_factory(server_url=connection.server_url, api_key=connection.api_key)


def exit_code_for(exc: PulseError) -> int:
    if isinstance(exc, NotFoundError):
        return output.EXIT_NOT_FOUND
    if isinstance(exc, PulseTimeoutError):
        return output.EXIT_TIMEOUT
    if isinstance(exc, PulseConnectionError | ServerError | RateLimitError):
        return output.EXIT_SERVER
    if exc.status_code is not None and 400 <= exc.status_code < 500:
        return output.EXIT_INPUT
    return output.EXIT_SERVER


class PulseGroup(TyperGroup):
    """The root command group: turns any SDK error of any subcommand into ``Error: …`` + code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except PulseError as exc:
            output.error(exc.message)
            raise typer.Exit(exit_code_for(exc)) from None
