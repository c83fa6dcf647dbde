"""Server-side commands: ``serve``, ``worker``, ``db upgrade``, ``webhook-handler``, ``webhook``.

They import the server lazily, inside each command, so the SDK commands stay fast and work
where only the client is installed.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from runagent_pulse.cli import output

R = TypeVar("R")

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL (default: PULSE_DATABASE_URL, else SQLite in ./pulse-data).",
        show_default=False,
    ),
]

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
webhook_app = typer.Typer(help="Webhook signing.", no_args_is_help=True)


def run_configured(fn: Callable[..., R], **kwargs: Any) -> R:
    """Call a server entry point. A refusal to start prints its message and exits: 2 for an
    invalid setting or a SQLite database another node uses, 5 for a port in use."""
    try:
        return fn(**kwargs)
    except Exception as exc:
        from runagent_pulse.config import ConfigError
        from runagent_pulse.server import DatabaseInUse, PortInUse

        if isinstance(exc, ConfigError | DatabaseInUse):
            raise output.fail(str(exc), output.EXIT_INPUT) from None
        if isinstance(exc, PortInUse):
            raise output.fail(str(exc), output.EXIT_PORT_IN_USE) from None
        raise


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Run a node's start-up with the garbage collector paused. Importing the server and
    building the app create ~200,000 objects that live as long as the process, and the
    collections they set off cost ~0.1 s of every start. The node freezes those objects and
    resumes collection once it is built; leaving this block resumes it in any case."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def serve(
    host: Annotated[
        str | None,
        typer.Option(help="Interface (default PULSE_HOST, 0.0.0.0).", show_default=False),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="Port (default PULSE_PORT, 8000).", show_default=False),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Run the API, the engine and local workers (the main job)."""
    with collector_paused():
        from runagent_pulse.server import serve as serve_fn

        run_configured(serve_fn, host=host, port=port, database_url=database_url)


def mcp(ctx: typer.Context) -> None:
    """Serve Pulse's MCP tools on stdin/stdout for a desktop MCP client, relayed to the server
    at --server-url / PULSE_SERVER_URL (which must run with PULSE_MCP=true; see docs/mcp.md)."""
    from runagent_pulse.cli._client import Connection
    from runagent_pulse.server import McpUnavailable, run_mcp_bridge

    connection = ctx.find_object(Connection) or Connection("http://localhost:8000", None)
    try:
        run_mcp_bridge(connection.server_url, connection.api_key)
    except McpUnavailable as exc:
        raise output.fail(str(exc), output.EXIT_SERVER) from None


def worker(database_url: DatabaseUrl = None) -> None:
    """Run the engine without the API (scale out by adding workers on a shared PostgreSQL)."""
    with collector_paused():
        from runagent_pulse.server import run_worker

        run_configured(run_worker, database_url=database_url)


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Create or migrate the database schema to the latest revision."""
    from runagent_pulse.server import upgrade_database

    run_configured(upgrade_database, database_url=database_url)


def webhook_handler(
    host: Annotated[
        str | None,
        typer.Option(
            help="Interface to listen on (default: 0.0.0.0 with PULSE_WEBHOOK_SECRET, "
            "127.0.0.1 without).",
            show_default=False,
        ),
    ] = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 3001,
    results_dir: Annotated[
        Path, typer.Option(help="Where each result is kept as <task_id>.json.")
    ] = Path("./webhook-results"),
    public_reads: Annotated[
        bool,
        typer.Option(
            "--public-reads",
            help="Serve GET /results… to anyone, without the read token.",
        ),
    ] = False,
) -> None:
    """Run the results receiver (POST /results, GET /results/{task_id}).

    With PULSE_WEBHOOK_SECRET set, posts must be signed with it and reads must send
    'Authorization: Bearer <read token>' (see `pulse webhook read-token`).
    """
    from runagent_pulse.webhook_handler import serve as serve_handler

    run_configured(
        serve_handler,
        host=host,
        port=port,
        results_dir=results_dir,
        secret=os.environ.get("PULSE_WEBHOOK_SECRET"),
        public_reads=public_reads,
    )


@webhook_app.command("secret")
def webhook_secret(database_url: DatabaseUrl = None) -> None:
    """Print the server's webhook signing secret (whsec_…), creating it if needed."""
    from runagent_pulse.server import show_webhook_secret

    typer.echo(run_configured(show_webhook_secret, database_url=database_url))


@webhook_app.command("read-token")
def webhook_read_token(database_url: DatabaseUrl = None) -> None:
    """Print the token the webhook handler's GET routes require (whrt_…), derived from the
    webhook secret (PULSE_WEBHOOK_SECRET, else the server's)."""
    from runagent_pulse.server import show_webhook_secret
    from runagent_pulse.webhook_handler import read_token

    typer.echo(read_token(run_configured(show_webhook_secret, database_url=database_url)))
