"""``pulse nodes``: the ``pulse serve`` / ``pulse worker`` processes sharing the database."""

from __future__ import annotations

import typer

from runagent_pulse.cli import output
from runagent_pulse.cli._client import open_client
from runagent_pulse.cli.output import JsonFlag


def nodes(ctx: typer.Context, json_output: JsonFlag = False) -> None:
    """List the nodes (alive, dead or stopped) and the runs each is running."""
    with open_client(ctx) as client:
        found = client.list_nodes()
    output.emit(found, as_json=json_output, render=output.nodes_table)
