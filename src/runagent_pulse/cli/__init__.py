"""The ``pulse`` command line: run the server, schedule agents, inspect tasks and runs."""

from __future__ import annotations

from typing import Annotated

import typer

from runagent_pulse.cli import server_cmds
from runagent_pulse.cli._client import Connection, PulseGroup
from runagent_pulse.cli.executors_cmd import executors
from runagent_pulse.cli.nodes_cmd import nodes
from runagent_pulse.cli.runs_cmds import runs_app
from runagent_pulse.cli.tasks_cmds import schedule, tasks_app
from runagent_pulse.cli.teams_cmds import run_conversation, teams_app
from runagent_pulse.cli.when_cmd import when

EPILOG = """\
Exit codes: 0 ok; 1 server or connection error (or a waited-for run failed);
2 bad input (usage, validation, auth, conflict; a server refused to start); 3 not found;
4 timeout; 5 a server's port is in use.
"""

app = typer.Typer(
    name="pulse",
    cls=PulseGroup,
    help="Pulse: a self-hosted, durable scheduler for AI-agent runs.",
    epilog=EPILOG,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def connection(
    ctx: typer.Context,
    server_url: Annotated[
        str,
        typer.Option(envvar="PULSE_SERVER_URL", help="The Pulse server to talk to."),
    ] = "http://localhost:8000",
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar="PULSE_API_KEY",
            help="API key, when the server requires one.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Pulse: a self-hosted, durable scheduler for AI-agent runs."""
    ctx.obj = Connection(server_url=server_url, api_key=api_key or None)


app.command("serve", epilog=EPILOG)(server_cmds.serve)
app.command("worker", epilog=EPILOG)(server_cmds.worker)
app.command("mcp", epilog=EPILOG)(server_cmds.mcp)
app.add_typer(server_cmds.db_app, name="db")
app.command("webhook-handler", epilog=EPILOG)(server_cmds.webhook_handler)
app.add_typer(server_cmds.webhook_app, name="webhook")
app.command("when", epilog=EPILOG)(when)
app.command("schedule", epilog=EPILOG)(schedule)
app.add_typer(tasks_app, name="tasks")
app.add_typer(runs_app, name="runs")
app.add_typer(teams_app, name="teams")
runs_app.command("conversation")(run_conversation)
app.command("nodes", epilog=EPILOG)(nodes)
app.command("executors", epilog=EPILOG)(executors)


def main() -> None:
    """Console-script entry point (``pulse``)."""
    app()


__all__ = ["app", "main"]
