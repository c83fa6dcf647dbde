"""The layers stay true: each package imports only the layers below it (docs/architecture.md),
and no module grows past what a reader takes in at one sitting."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "runagent_pulse"
MAX_LINES = 500

BELOW_SERVICE = {"domain", "timespec", "common", "store", "executors", "delivery", "engine"}
FRONT_DOOR = {"service", "domain", "timespec", "common", "observability"}
ALLOWED: dict[str, set[str]] = {
    # pure leaves
    "domain": set(),
    "timespec": set(),
    "client": set(),
    # shared utilities beside the leaves
    "common": {"domain"},
    "observability": {"domain", "common"},
    # the core, bottom up
    "store": {"domain", "common"},
    "executors": {"domain", "common", "store", "timespec", "observability"},
    "delivery": {"domain", "common", "store", "observability"},
    "engine": {"domain", "common", "store", "executors", "timespec", "observability"},
    "service": BELOW_SERVICE | {"observability"},
    # front doors: on the application layer only, never on each other
    "api": FRONT_DOOR,
    "ui": FRONT_DOOR,
    "mcp": FRONT_DOOR,
    "cli": {"client", "timespec", "server", "webhook_handler", "config"},
    "webhook_handler": {"delivery", "common", "observability"},
    # configuration and composition at the edges
    "config": {"timespec", "executors", "common"},
    "node": BELOW_SERVICE | {"service", "config", "observability"},
    "server": {
        "node",
        "api",
        "ui",
        "mcp",
        "config",
        "store",
        "delivery",
        "common",
        "observability",
    },
}


def layer_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def imported_layers(path: Path) -> list[tuple[int, str]]:
    """(line, layer) of every ``runagent_pulse.<layer>`` import, including those in functions."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "runagent_pulse":
                names = [f"runagent_pulse.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "runagent_pulse" and len(parts) > 1 and parts[1] != "__version__":
                found.append((node.lineno, parts[1]))
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE or p.name != "__init__.py")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_each_module_imports_only_the_layers_below_it(path: Path) -> None:
    layer = layer_of(path)
    assert layer in ALLOWED, f"{layer}: a new layer; add it to ALLOWED and docs/architecture.md"
    upward = [
        f"line {line}: imports runagent_pulse.{target}"
        for line, target in imported_layers(path)
        if target != layer and target not in ALLOWED[layer]
    ]
    assert not upward, f"{path.relative_to(PACKAGE)} ({layer}) may not: " + "; ".join(upward)


def test_the_import_check_catches_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "upward.py"
    module.write_text("def f():\n    from runagent_pulse.api.app import build_app\n")
    assert imported_layers(module) == [(2, "api")]
    assert "api" not in ALLOWED["store"]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_longer_than_a_sitting(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE)} has {lines} lines; split it"
