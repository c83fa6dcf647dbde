"""The public surface: sorted ``__all__``s, and the SDK standing alone."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import runagent_pulse
import runagent_pulse.client

CLIENT_DIR = Path(runagent_pulse.client.__file__).parent


@pytest.mark.parametrize(
    "module", [runagent_pulse, runagent_pulse.client], ids=lambda m: m.__name__
)
def test_all_is_sorted_and_importable(module: object) -> None:
    names = module.__all__  # type: ignore[attr-defined]
    assert names == sorted(names)
    for name in names:
        assert hasattr(module, name), name


def test_package_reexports_the_sdk() -> None:
    assert runagent_pulse.PulseClient is runagent_pulse.client.PulseClient
    assert runagent_pulse.__version__ == "0.1.0"
    assert set(runagent_pulse.__all__) == {
        "AsyncPulseClient",
        "PulseClient",
        "PulseError",
        "PulseTask",
        "__version__",
    }


@pytest.mark.parametrize("path", sorted(CLIENT_DIR.glob("*.py")), ids=lambda p: p.name)
def test_the_sdk_imports_nothing_else_of_pulse(path: Path) -> None:
    """Users install the SDK to talk to a server: it needs httpx (and anyio, which httpx is built
    on), pydantic and stdlib only."""
    allowed_third_party = {"anyio", "httpx", "pydantic"}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue
        for module in modules:
            top = module.split(".")[0]
            if top == "runagent_pulse":
                assert module.startswith("runagent_pulse.client"), (path.name, module)
            else:
                import sys

                assert top in sys.stdlib_module_names or top in allowed_third_party, module
