"""Dockerfile, docker-compose.yml and .env.example agree with the CLI and the Settings."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices

from runagent_pulse.config import Settings

ROOT = Path(__file__).resolve().parents[2]
# The compose commands, checked here even without the CLI: subcommand -> options it must accept.
EXPECTED_OPTIONS = {
    "serve": {"--host", "--port"},
    "webhook-handler": {"--host", "--port", "--results-dir"},
}
_ENV_LINE = re.compile(r"^\s*#?\s*([A-Z][A-Z0-9_]*)=(.*)$")


def settings_aliases() -> set[str]:
    names = set()
    for field in Settings.model_fields.values():
        if field.alias:
            names.add(field.alias)
        elif isinstance(field.validation_alias, AliasChoices):
            first = field.validation_alias.choices[0]
            assert isinstance(first, str)
            names.add(first)
        elif isinstance(field.validation_alias, str):
            names.add(field.validation_alias)
    return names


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """Pulse's own services (the optional ``monitoring`` profile is checked with deploy/)."""
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return {name: s for name, s in data["services"].items() if "profiles" not in s}


def parse_command(command: str | list[str]) -> tuple[str, dict[str, str]]:
    words = shlex.split(command) if isinstance(command, str) else list(command)
    assert words[0] == "pulse", words
    subcommand, rest = words[1], words[2:]
    options: dict[str, str] = {}
    while rest:
        option = rest.pop(0)
        assert option.startswith("--"), f"unexpected argument {option!r} in {command!r}"
        name, _, inline = option.partition("=")
        options[name] = inline or rest.pop(0)
    return subcommand, options


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = _ENV_LINE.match(line)
        if match:
            values[match[1]] = match[2].split(" #")[0].strip()
    return values


def test_services_and_containers(compose: dict[str, Any]) -> None:
    assert set(compose) == {"runagent-pulse", "webhook-handler"}
    assert compose["runagent-pulse"]["container_name"] == "runagent-pulse"
    assert compose["webhook-handler"]["container_name"] == "runagent-webhook-handler"
    for service in compose.values():
        env_file = service["env_file"]
        assert env_file == ".env" or env_file == [".env"]


def test_pulse_service(compose: dict[str, Any]) -> None:
    service = compose["runagent-pulse"]
    subcommand, options = parse_command(service["command"])
    assert subcommand == "serve"
    assert options == {"--host": "0.0.0.0", "--port": "8000"}
    assert service["ports"] == [f"{options['--port']}:{options['--port']}"]
    assert service["volumes"] == ["./pulse-data:/app/pulse-data"]
    database_url = service["environment"]["PULSE_DATABASE_URL"]
    assert database_url == "sqlite+aiosqlite:////app/pulse-data/pulse.db"
    assert database_url.split("///", 1)[1].startswith("/app/pulse-data/")


def test_webhook_handler_service(compose: dict[str, Any]) -> None:
    service = compose["webhook-handler"]
    subcommand, options = parse_command(service["command"])
    assert subcommand == "webhook-handler"
    assert options == {
        "--host": "0.0.0.0",
        "--port": "3001",
        "--results-dir": "/app/webhook-results",
    }
    assert service["ports"] == ["3001:3001"]
    assert service["volumes"] == [f"./webhook-results:{options['--results-dir']}"]


def test_commands_use_known_options(compose: dict[str, Any]) -> None:
    for service in compose.values():
        subcommand, options = parse_command(service["command"])
        assert set(options) <= EXPECTED_OPTIONS[subcommand]


def test_commands_exist_in_the_cli(compose: dict[str, Any]) -> None:
    try:
        from runagent_pulse.cli import app
    except ImportError:
        pytest.skip("runagent_pulse.cli (typer app) is not there yet")
    import typer.main

    group = typer.main.get_command(app)
    commands = group.commands  # type: ignore[attr-defined]
    for service in compose.values():
        subcommand, options = parse_command(service["command"])
        assert subcommand in commands, f"pulse {subcommand} is not a CLI command"
        known = {opt for param in commands[subcommand].params for opt in param.opts}
        assert set(options) <= known, f"pulse {subcommand} lacks {set(options) - known}"
    for subcommand, expected in EXPECTED_OPTIONS.items():
        known = {opt for param in commands[subcommand].params for opt in param.opts}
        assert expected <= known


def test_compose_environment_names_are_settings(compose: dict[str, Any]) -> None:
    aliases = settings_aliases()
    for service in compose.values():
        environment = service.get("environment") or {}
        names = (
            set(environment)
            if isinstance(environment, dict)
            else {item.split("=", 1)[0] for item in environment}
        )
        assert names <= aliases, names - aliases


def test_env_example_lists_exactly_the_settings() -> None:
    listed = set(env_example())
    aliases = settings_aliases()
    assert listed - aliases == set(), "unknown variables in .env.example"
    assert aliases - listed == set(), "settings missing from .env.example"


def test_env_example_values_are_valid_settings() -> None:
    values = {name: value for name, value in env_example().items() if value}
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    for name in ("run_timeout", "callback_retry_schedule", "run_retention", "max_params_bytes"):
        assert getattr(settings, name) == getattr(defaults, name), name


def test_dockerfile() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.M)
    assert re.search(r"^RUN pip install \.", text, re.M)
    user = re.findall(r"^USER (\S+)", text, re.M)
    assert user
    assert user[-1] not in ("root", "0")
    assert re.search(r"^EXPOSE .*\b8000\b", text, re.M)
    assert re.search(r'^CMD \["pulse", "serve"\]\s*$', text, re.M)


def test_dockerignore_keeps_secrets_and_state_out() -> None:
    lines = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".venv", ".git", "pulse-data", "webhook-results"} <= lines
