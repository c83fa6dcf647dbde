"""Input checks of teams: the team body, the CLI's agent syntax, the prompt, SCHEDULE_TIMEOUT."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import typer
from pydantic import ValidationError as PydanticValidationError

from runagent_pulse.cli.teams_cmds import parse_agent
from runagent_pulse.config import Settings
from runagent_pulse.domain.errors import ValidationError
from runagent_pulse.service.task_checks import MAX_PROMPT_CHARS, check_prompt
from runagent_pulse.service.team_models import TeamCreate, TeamPatch

LEADER = {"name": "boss", "role": "leader", "module": "m", "entrypoint": "lead"}
MEMBER = {"name": "writer", "role": "member", "module": "m", "entrypoint": "write"}


@pytest.mark.parametrize(
    ("agents", "message"),
    [
        ([MEMBER], "exactly one leader"),
        ([LEADER, {**MEMBER, "role": "leader"}], "found 2: boss, writer"),
        ([LEADER, {**MEMBER, "name": "boss"}], "'boss' is used twice"),
        ([LEADER, {"name": "w", "role": "member"}], "needs module and entrypoint"),
        ([LEADER, {**MEMBER, "url": "http://x"}], "either url, or module and entrypoint"),
        ([LEADER, {**MEMBER, "name": "pulse"}], "reserved"),
        ([LEADER, {**MEMBER, "role": "boss"}], "'leader' or 'member'"),
        ([LEADER, {**MEMBER, "name": "no spaces"}], "pattern"),
        ([], "at least 1"),
        ([LEADER] + [{**MEMBER, "name": f"m{i}"} for i in range(20)], "at most 20"),
    ],
)
def test_bad_teams_are_refused_with_a_clear_message(
    agents: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(PydanticValidationError, match=message):
        TeamCreate(name="t", agents=agents)  # type: ignore[arg-type]


def test_team_names_and_patches() -> None:
    assert TeamCreate(name="weekly-report_2", agents=[LEADER]).runtime == "process"  # type: ignore[list-item]
    for bad in ("", "-x", "a b", "x" * 65, "a/b"):
        with pytest.raises(PydanticValidationError):
            TeamCreate(name=bad, agents=[LEADER])  # type: ignore[list-item]
    with pytest.raises(PydanticValidationError, match="runtime"):
        TeamCreate(name="t", runtime="docker", agents=[LEADER])  # type: ignore[arg-type,list-item]
    assert TeamPatch(name="renamed").agents is None
    with pytest.raises(PydanticValidationError, match="exactly one leader"):
        TeamPatch(agents=[MEMBER])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("text", "role", "expected"),
    [
        ("boss=team_agents:lead", "leader", {"module": "team_agents", "entrypoint": "lead"}),
        ("w=pkg.mod:write", "member", {"module": "pkg.mod", "entrypoint": "write"}),
        ("web=https://h.example/a:1", "member", {"url": "https://h.example/a:1"}),
    ],
)
def test_cli_agent_syntax(text: str, role: str, expected: dict[str, str]) -> None:
    assert parse_agent(text, role) == {"name": text.split("=")[0], "role": role, **expected}


@pytest.mark.parametrize("text", ["boss", "boss=", "=m:f", "boss=module", "boss=:f"])
def test_cli_agent_syntax_errors(text: str) -> None:
    with pytest.raises(typer.BadParameter):
        parse_agent(text, "member")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (None, "needs params"),
        ({}, "needs params"),
        ({"prompt": 3}, "needs params"),
        ({"prompt": "   "}, "needs params"),
        ({"prompt": "x" * (MAX_PROMPT_CHARS + 1)}, "the limit is 50000"),
    ],
)
def test_prompt_checks(params: dict[str, Any] | None, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        check_prompt(params)
    check_prompt({"prompt": "x" * MAX_PROMPT_CHARS})


@pytest.mark.parametrize(
    ("text", "seconds"), [("1h", 3600), ("30m", 1800), ("1h30m", 5400), ("90s", 90)]
)
def test_schedule_timeout_is_a_go_style_duration(text: str, seconds: int) -> None:
    settings = Settings(SCHEDULE_TIMEOUT=text)  # type: ignore[call-arg]
    assert settings.schedule_timeout == timedelta(seconds=seconds)
