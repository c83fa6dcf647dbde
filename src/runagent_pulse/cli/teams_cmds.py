"""``pulse teams …`` and ``pulse runs conversation``: teams of agents, their scheduled runs,
deployments and conversations."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from runagent_pulse.cli import output
from runagent_pulse.cli._client import open_client
from runagent_pulse.cli.output import JsonFlag, cell, console, instant, styled
from runagent_pulse.cli.tasks_cmds import report_scheduled

teams_app = typer.Typer(
    help="Teams of agents deployed on demand for scheduled runs.", no_args_is_help=True
)

TeamArg = Annotated[str, typer.Argument(metavar="TEAM", help="A team name or id (team_…).")]
AGENT_HELP = "NAME=MODULE:ENTRYPOINT (a Python agent) or NAME=URL (an HTTP agent)."
Leader = Annotated[str | None, typer.Option("--leader", help=f"The leader: {AGENT_HELP}")]
Members = Annotated[
    list[str] | None, typer.Option("--member", "-m", help=f"A member (repeatable): {AGENT_HELP}")
]


def parse_agent(text: str, role: str) -> dict[str, str]:
    """``writer=team_agents:write`` or ``web=https://host/agent`` as an agent of ``role``."""
    name, sep, target = text.partition("=")
    option = "--leader" if role == "leader" else "--member"
    if not sep or not name or not target:
        raise typer.BadParameter(f"{text!r} is not {AGENT_HELP}", param_hint=option)
    if target.startswith(("http://", "https://")):
        return {"name": name, "role": role, "url": target}
    module, sep, entrypoint = target.rpartition(":")
    if not sep or not module or not entrypoint:
        raise typer.BadParameter(
            f"{text!r}: after '=' give MODULE:ENTRYPOINT or an http(s) URL", param_hint=option
        )
    return {"name": name, "role": role, "module": module, "entrypoint": entrypoint}


def _agents(leader: str | None, members: list[str] | None) -> list[dict[str, str]]:
    agents = [parse_agent(leader, "leader")] if leader else []
    return agents + [parse_agent(member, "member") for member in members or []]


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)


def _target(agent: Mapping[str, Any]) -> str:
    return str(agent.get("url") or f"{agent.get('module')}:{agent.get('entrypoint')}")


def teams_table(teams: Sequence[Mapping[str, Any]]) -> None:
    if not teams:
        console.print("No teams.")
        return
    table = _table("Teams")
    table.add_column("ID", no_wrap=True, style="bold")
    table.add_column("Name", no_wrap=True)
    table.add_column("Agents", ratio=1)
    for team in teams:
        agents = ", ".join(
            f"{a['name']}{'*' if a['role'] == 'leader' else ''}" for a in team["agents"]
        )
        table.add_row(cell(team["team_id"]), cell(team["name"]), cell(agents))
    console.print(table)
    console.print("* leader")


def team_detail(team: Mapping[str, Any]) -> None:
    console.print(
        Text.assemble(("Team ", "bold"), (str(team["name"]), "bold"), f"  {team['team_id']}")
    )
    table = _table("Agents")
    for header in ("Name", "Role", "Runs"):
        table.add_column(header)
    for agent in team["agents"]:
        table.add_row(cell(agent["name"]), cell(agent["role"]), cell(_target(agent)))
    console.print(table)


def deployment_detail(deployment: Mapping[str, Any]) -> None:
    console.print(
        Text.assemble(
            ("Deployment ", "bold"),
            (str(deployment["name"]), "bold"),
            "  ",
            styled(deployment["status"]),
            f"  run {deployment['run_id']}",
        )
    )
    console.print(
        f"created {instant(deployment['created_at'])}, stopped {instant(deployment['stopped_at'])}"
    )
    if deployment.get("error"):
        console.print(Text(f"error: {deployment['error']}", style="red"))
    table = _table("Agents")
    for header in ("Name", "Role", "Address"):
        table.add_column(header)
    for agent in deployment["agents"]:
        table.add_row(cell(agent["name"]), cell(agent["role"]), cell(agent["address"]))
    console.print(table)


def _content(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def conversation_view(conversation: Mapping[str, Any]) -> None:
    if conversation.get("deployment_id") is None:
        console.print("This run deployed no team: there is no conversation.")
        return
    console.print(
        Text.assemble(
            f"Deployment {conversation['deployment_id']}  ",
            styled(conversation.get("deployment_status")),
        )
    )
    if not conversation["messages"]:
        console.print("No messages.")
    for message in conversation["messages"]:
        console.print(
            Text.assemble(
                (f"#{message['seq']} ", "dim"),
                (f"{message['from']} → {message['to']}", "bold"),
                (f"  {instant(message['at'])}", "dim"),
            )
        )
        console.print(Text("  " + _content(message["content"]).replace("\n", "\n  ")))


@teams_app.command("create")
def create_team(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The team's name.")],
    leader: Leader = None,
    member: Members = None,
    json_output: JsonFlag = False,
) -> None:
    """Create a team: one --leader and any number of --member agents."""
    if leader is None:
        raise output.fail("a team needs a --leader", output.EXIT_INPUT)
    with open_client(ctx) as client:
        team = client.create_team(name, _agents(leader, member))
    output.emit(team, as_json=json_output, render=team_detail)


@teams_app.command("list")
def list_teams(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="At most this many (newest first).")] = 50,
    json_output: JsonFlag = False,
) -> None:
    """List teams, newest first."""
    with open_client(ctx) as client:
        teams = client.list_teams(limit)
    output.emit(teams, as_json=json_output, render=teams_table)


@teams_app.command("show")
def show_team(ctx: typer.Context, team: TeamArg, json_output: JsonFlag = False) -> None:
    """Show a team and its agents."""
    with open_client(ctx) as client:
        found = client.get_team(team)
    output.emit(found, as_json=json_output, render=team_detail)


@teams_app.command("update")
def update_team(
    ctx: typer.Context,
    team: TeamArg,
    name: Annotated[str | None, typer.Option(help="A new name.")] = None,
    leader: Leader = None,
    member: Members = None,
    json_output: JsonFlag = False,
) -> None:
    """Rename a team, or replace its agents (give the --leader and every --member)."""
    if member and leader is None:
        raise output.fail("replacing the agents needs the --leader too", output.EXIT_INPUT)
    agents = _agents(leader, member) if leader else None
    with open_client(ctx) as client:
        updated = client.update_team(team, name=name, agents=agents)
    output.emit(updated, as_json=json_output, render=team_detail)


@teams_app.command("delete")
def delete_team(ctx: typer.Context, team: TeamArg, json_output: JsonFlag = False) -> None:
    """Delete a team that no active or paused task runs."""
    with open_client(ctx) as client:
        deleted = client.delete_team(team)
    if json_output:
        output.print_json(deleted)
    else:
        console.print(f"Deleted team {deleted['name']} ({deleted['team_id']}).")


@teams_app.command("schedule")
def schedule_team(
    ctx: typer.Context,
    team: TeamArg,
    prompt: Annotated[str, typer.Argument(metavar="PROMPT", help="The prompt sent to the leader.")],
    when: Annotated[str, typer.Option(help="When to run, e.g. 'every monday at 9'.")] = "now",
    timeout: Annotated[
        str | None, typer.Option(help="Run timeout: '30m', '1h'... (default SCHEDULE_TIMEOUT).")
    ] = None,
    overlap: Annotated[
        str | None, typer.Option(help="allow, skip, buffer_one or cancel_previous.")
    ] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="IANA time zone of 'when'.")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the (next) result.")] = False,
    wait_timeout: Annotated[
        float, typer.Option(min=0, help="Seconds --wait waits before exit code 4.")
    ] = 3600.0,
    json_output: JsonFlag = False,
) -> None:
    """Schedule TEAM to be deployed and sent PROMPT at --when (a task), optionally waiting for
    the leader's answer."""
    with open_client(ctx) as client:
        task = client.schedule_team(
            team, prompt, when=when, timeout=timeout, overlap=overlap, timezone=tz
        )
        report_scheduled(
            task,
            wait=wait,
            wait_timeout=wait_timeout,
            json_output=json_output,
            show=output.task_detail,
        )


@teams_app.command("deployment")
def show_deployment(
    ctx: typer.Context,
    deployment_id: Annotated[
        str, typer.Argument(metavar="DEPLOYMENT_ID", help="A deployment id (dep_…).")
    ],
    json_output: JsonFlag = False,
) -> None:
    """Show a deployment: status, agents and their processes, error."""
    with open_client(ctx) as client:
        deployment = client.get_deployment(deployment_id)
    output.emit(deployment, as_json=json_output, render=deployment_detail)


def run_conversation(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID", help="A run id (run_…).")],
    json_output: JsonFlag = False,
) -> None:
    """What the agents of a team run said to each other, in order."""
    with open_client(ctx) as client:
        conversation = client.get_conversation(run_id)
    output.emit(conversation, as_json=json_output, render=conversation_view)
