"""Run the scenarios and print their figures (nothing is asserted)."""

from __future__ import annotations

import argparse
import compileall
import importlib
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import orjson
from rich.table import Table

import runagent_pulse
from bench.common import Figure, Skipped, console

SCENARIOS = (
    "burst_echo",
    "burst_local",
    "lag",
    "api_create",
    "scale",
    "dashboard",
    "callbacks",
    "teams",
    "serverless",
    "http",
    "postgres",
    "peers",
)
DEFAULT = tuple(name for name in SCENARIOS if name != "peers")
"""What runs without arguments: ``peers`` (~15 min, builds virtual environments) only on demand."""


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Measure Pulse on this machine (see bench/README.md)."
    )
    parser.add_argument(
        "scenarios",
        nargs="*",
        metavar="scenario",
        help=f"what to run (default: all but peers): {', '.join(SCENARIOS)}",
    )
    parser.add_argument("--quick", action="store_true", help="about 10x smaller, a smoke run")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    args = parser.parse_args()
    unknown = [name for name in args.scenarios if name not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)} (choose from {', '.join(SCENARIOS)})")
    return args


def _table(figures: list[Figure]) -> Table:
    table = Table(title="Pulse bench")
    for column in ("scenario", "figure", "value", "target", "met"):
        table.add_column(column, justify="right" if column == "value" else "left")
    for figure in figures:
        met = {True: "[green]yes[/green]", False: "[red]no[/red]", None: ""}[figure.met]
        table.add_row(
            figure.scenario, figure.name, figure.formatted(), str(figure.target or ""), met
        )
    return table


def _load() -> str:
    """The machine's load averages: figures taken while other work runs are not comparable."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def _compile_pulse() -> None:
    """Write Pulse's bytecode files, as installing it does. A checkout run with
    ``PYTHONDONTWRITEBYTECODE`` set (or from a read-only folder) has none, and every server
    the bench starts would compile each module again: ~0.1 s of every restart figure."""
    compileall.compile_dir(Path(runagent_pulse.__file__).parent, quiet=1)


def main() -> int:
    args = _arguments()
    _compile_pulse()
    chosen = args.scenarios or list(DEFAULT)
    console.print(
        f"Pulse bench{' (--quick)' if args.quick else ''}: {', '.join(chosen)} — "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, SQLite, "
        f"load average {_load()} before"
    )
    figures: list[Figure] = []
    problems: dict[str, str] = {}
    for name in chosen:
        module = importlib.import_module(f"bench.{name}")
        console.print(f"[bold]{name}[/bold]: {' '.join((module.__doc__ or '').split())}")
        began = time.perf_counter()
        try:
            with tempfile.TemporaryDirectory(prefix=f"pulse-bench-{name}-") as workdir:
                found = module.run(Path(workdir), quick=args.quick)
        except Skipped as exc:
            problems[name] = f"skipped: {exc}"
            console.print(f"  [yellow]skipped:[/yellow] {exc}")
            continue
        except Exception as exc:  # report and go on with the next scenario
            problems[name] = f"error: {type(exc).__name__}: {exc}"
            console.print(f"  [red]error:[/red] {type(exc).__name__}: {exc}")
            continue
        for figure in found:
            target = f"  (target {figure.target}: {'met' if figure.met else 'NOT met'})"
            console.print(f"  {figure.name}: {figure.formatted()}{target if figure.target else ''}")
        console.print(f"  [dim]({time.perf_counter() - began:.1f} s)[/dim]")
        figures += found
    console.print()
    console.print(_table(figures))
    console.print(f"load average (1, 5, 15 min) after: {_load()}")
    for name, problem in problems.items():
        console.print(f"{name}: {problem}")
    if args.json:
        args.json.write_bytes(
            orjson.dumps(
                {
                    "quick": args.quick,
                    "cpus": os.cpu_count(),
                    "load_after": os.getloadavg(),
                    "figures": [f.as_dict() for f in figures],
                    "problems": problems,
                },
                option=orjson.OPT_INDENT_2,
            )
        )
    return 1 if any(p.startswith("error") for p in problems.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
