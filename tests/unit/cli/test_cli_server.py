"""Server-side commands call the server's entry points (faked here) with the given options."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest

from runagent_pulse.common.listener import PortInUse
from runagent_pulse.config import ConfigError
from runagent_pulse.store.sqlite_lock import DatabaseInUse
from tests.unit.cli.cli_fakes import invoke


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    recorded: list[tuple[str, dict[str, Any]]] = []

    def recorder(name: str, answer: Any = None) -> Any:
        def fn(**kwargs: Any) -> Any:
            recorded.append((name, kwargs))
            return answer

        return fn

    server = types.ModuleType("runagent_pulse.server")
    server.serve = recorder("serve")  # type: ignore[attr-defined]
    server.run_worker = recorder("run_worker")  # type: ignore[attr-defined]
    server.upgrade_database = recorder("upgrade_database")  # type: ignore[attr-defined]
    server.show_webhook_secret = recorder("show_webhook_secret", "whsec_abc")  # type: ignore[attr-defined]
    server.DatabaseInUse = DatabaseInUse  # type: ignore[attr-defined]
    server.PortInUse = PortInUse  # type: ignore[attr-defined]
    handler = types.ModuleType("runagent_pulse.webhook_handler")
    handler.serve = recorder("webhook_handler")  # type: ignore[attr-defined]
    handler.read_token = lambda secret: f"whrt_of_{secret}"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "runagent_pulse.server", server)
    monkeypatch.setitem(sys.modules, "runagent_pulse.webhook_handler", handler)
    monkeypatch.delenv("PULSE_WEBHOOK_SECRET", raising=False)
    return recorded


def test_serve_passes_only_given_options(calls: list[tuple[str, dict[str, Any]]]) -> None:
    assert invoke("serve").exit_code == 0
    assert (
        invoke(
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "9000",
            "--database-url",
            "sqlite+aiosqlite:///x.db",
        ).exit_code
        == 0
    )
    assert calls == [
        ("serve", {"host": None, "port": None, "database_url": None}),
        ("serve", {"host": "127.0.0.1", "port": 9000, "database_url": "sqlite+aiosqlite:///x.db"}),
    ]


def test_worker_db_upgrade_and_webhook_secret(calls: list[tuple[str, dict[str, Any]]]) -> None:
    assert invoke("worker", "--database-url", "postgresql+asyncpg://db").exit_code == 0
    assert invoke("db", "upgrade").exit_code == 0
    secret = invoke("webhook", "secret")
    assert (secret.exit_code, secret.stdout) == (0, "whsec_abc\n")
    token = invoke("webhook", "read-token", "--database-url", "sqlite:///x.db")
    assert (token.exit_code, token.stdout) == (0, "whrt_of_whsec_abc\n")
    assert calls == [
        ("run_worker", {"database_url": "postgresql+asyncpg://db"}),
        ("upgrade_database", {"database_url": None}),
        ("show_webhook_secret", {"database_url": None}),
        ("show_webhook_secret", {"database_url": "sqlite:///x.db"}),
    ]


def test_webhook_handler_defaults_and_secret_from_env(
    calls: list[tuple[str, dict[str, Any]]],
) -> None:
    assert invoke("webhook-handler").exit_code == 0
    assert (
        invoke(
            "webhook-handler",
            "--port",
            "4000",
            "--results-dir",
            "out",
            env={"PULSE_WEBHOOK_SECRET": "whsec_x"},
        ).exit_code
        == 0
    )
    assert invoke("webhook-handler", "--host", "0.0.0.0", "--public-reads").exit_code == 0
    defaults = {"host": None, "port": 3001, "results_dir": Path("webhook-results")}
    given = {"port": 4000, "results_dir": Path("out"), "secret": "whsec_x"}
    assert calls == [
        ("webhook_handler", {**defaults, "secret": None, "public_reads": False}),
        ("webhook_handler", {**defaults, **given, "public_reads": False}),
        ("webhook_handler", {**defaults, "host": "0.0.0.0", "secret": None, "public_reads": True}),
    ]


def test_config_error_prints_its_message_and_exits_2(
    calls: list[tuple[str, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> None:
        raise ConfigError("Invalid configuration:\n  PULSE_PORT: bad")

    monkeypatch.setattr(sys.modules["runagent_pulse.server"], "serve", broken)
    result = invoke("serve")
    assert result.exit_code == 2
    assert result.stderr == "Error: Invalid configuration:\n  PULSE_PORT: bad\n"
    assert "Traceback" not in result.output


def test_other_errors_are_not_swallowed(
    calls: list[tuple[str, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(sys.modules["runagent_pulse.server"], "run_worker", broken)
    with pytest.raises(RuntimeError, match="bug"):
        invoke("worker")
