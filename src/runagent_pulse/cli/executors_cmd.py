"""``pulse executors``: the executors a server has, and why an unavailable one is unavailable."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import typer
from rich.table import Table

from runagent_pulse.cli import output
from runagent_pulse.cli._client import open_client
from runagent_pulse.cli.output import JsonFlag


def executors_table(found: Mapping[str, Any]) -> None:
    table = Table(title="Executors", title_justify="left")
    table.add_column("Executor", no_wrap=True)
    table.add_column("Available", no_wrap=True)
    table.add_column("Note")
    for item in found.get("items") or []:
        table.add_row(
            output.cell(item.get("name")),
            output.cell("yes" if item.get("available") else "no"),
            output.cell(item.get("reason") or ""),
        )
    output.console.print(table)
    resolved = found.get("resolved_default") or "none available"
    output.console.print(
        f"Tasks without executor_type use DEFAULT_EXECUTOR={found.get('default_executor')}: "
        f"{resolved}"
    )


def executors(ctx: typer.Context, json_output: JsonFlag = False) -> None:
    """List the server's executors, whether each is available, and how to enable the others."""
    with open_client(ctx) as client:
        found = client.list_executors()
    output.emit(found, as_json=json_output, render=executors_table)
