"""Team runs end to end with real agent processes, on SQLite and PostgreSQL: deploy, prompt,
conversation, outcome, activity, and a teardown that leaves no process behind."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.teams.support import TeamNode, agent, is_gone, pids_of
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow

TRIO = [
    agent("boss", "lead", role="leader"),
    agent("researcher", "research"),
    agent("writer", "write"),
]


@pytest.fixture
async def node(db_url: str) -> AsyncIterator[TeamNode]:
    started = await TeamNode(db_url).start()
    yield started
    await started.close()


async def test_leader_asks_two_members_and_the_team_is_torn_down(node: TeamNode) -> None:
    await node.add_team("marketing", TRIO)
    task_id = await node.schedule("marketing", "weekly report")
    run = await node.finished_run(task_id)

    assert run["status"] == "success", run
    assert run["result"] == {
        "report": "draft(write about research(facts for: weekly report)) [weekly report]",
        "by": "boss",
        "members": ["researcher", "writer"],
    }
    assert run["started_at"] is not None and run["finished_at"] is not None
    deployment = await node.deployment(run["deployment_id"])
    assert deployment["name"] == f"marketing-run-{run['id']}"
    assert deployment["status"] == "stopped"
    assert deployment["stopped_at"] is not None
    assert [a["name"] for a in deployment["agents"]] == ["boss", "researcher", "writer"]
    assert await node.conversation(run["deployment_id"]) == [
        ("pulse", "boss", "weekly report"),
        ("boss", "researcher", "facts for: weekly report"),
        ("researcher", "boss", "research(facts for: weekly report)"),
        ("boss", "writer", "write about research(facts for: weekly report)"),
        ("writer", "boss", "draft(write about research(facts for: weekly report))"),
        ("boss", "pulse", run["result"]),
    ]
    assert all(is_gone(pid) for pid in pids_of(deployment))
    assert (await node.task(task_id))["activity"] == "idle"


async def test_a_module_that_fails_to_import_fails_the_deploy(node: TeamNode) -> None:
    await node.add_team(
        "broken", [agent("boss", "lead", role="leader"), agent("x", "y", module="team_broken")]
    )
    task_id = await node.schedule("broken", "hello")
    run = await node.finished_run(task_id)

    assert run["status"] == "failed"
    assert run["error_type"] == "AgentNotFound"
    assert "team_broken needs a library that is not installed" in run["error_message"]
    deployment = await node.deployment(run["deployment_id"])
    assert deployment["status"] == "failed"
    assert "AgentNotFound" in deployment["error"]
    assert await node.conversation(run["deployment_id"]) == []  # no prompt was sent
    assert all(is_gone(pid) for pid in pids_of(deployment))
    assert (await node.task(task_id))["activity"] == "error"


async def test_a_leader_that_raises_fails_the_run(node: TeamNode) -> None:
    await node.add_team("grumpy", [agent("boss", "lead_raises", role="leader")])
    task_id = await node.schedule("grumpy", "please")
    run = await node.finished_run(task_id)

    assert (run["status"], run["error_type"]) == ("failed", "ValueError")
    assert run["error_message"] == "the leader refuses: please"
    assert run["result"] is None
    deployment = await node.deployment(run["deployment_id"])
    assert deployment["status"] == "stopped"
    conversation = await node.conversation(run["deployment_id"])
    assert conversation[-1] == (
        "boss",
        "pulse",
        {"error": {"type": "ValueError", "message": "the leader refuses: please"}},
    )
    assert all(is_gone(pid) for pid in pids_of(deployment))
    assert (await node.task(task_id))["activity"] == "error"


async def test_a_member_that_raises_fails_the_leader_that_asked(node: TeamNode) -> None:
    await node.add_team(
        "fragile",
        [
            agent("boss", "lead_asks_failing_member", role="leader"),
            agent("researcher", "member_raises"),
        ],
    )
    run = await node.finished_run(await node.schedule("fragile", "dig"))

    assert (run["status"], run["error_type"]) == ("failed", "TeamAskError")
    assert "researcher failed: RuntimeError: member cannot: dig" in run["error_message"]


async def test_a_leader_that_never_answers_times_out(node: TeamNode, tmp_path: Path) -> None:
    await node.add_team("silent", [agent("boss", "lead_hangs", role="leader"), agent("m", "pid")])
    marker = tmp_path / "leader.pid"
    task_id = await node.schedule("silent", str(marker), timeout=3)
    await wait_until(marker.exists, what="the leader to start")
    await wait_until(lambda: _activity(node, task_id, "running"), what="activity running")
    run = await node.finished_run(task_id)

    assert run["status"] == "timeout"
    # Ended (torn down included) within the timeout + 2 s.
    assert run["duration_ms"] is not None and run["duration_ms"] <= 5_000
    deployment = await node.deployment(run["deployment_id"])
    assert deployment["status"] == "stopped"
    assert all(is_gone(pid) for pid in pids_of(deployment))
    assert is_gone(int(marker.read_text()))
    assert (await node.task(task_id))["activity"] == "error"


async def _activity(node: TeamNode, task_id: str, expected: str) -> bool:
    return (await node.task(task_id))["activity"] == expected


async def test_overlapping_runs_of_one_task_get_separate_deployments(node: TeamNode) -> None:
    await node.add_team("duo", TRIO)
    task_id = await node.schedule("duo", "first", overlap="allow")
    await node.service.trigger(task_id)

    async def two_ended() -> bool:
        found = await node.runs_of(task_id)
        return len(found) == 2 and all(r["status"] not in ("scheduled", "running") for r in found)

    await wait_until(two_ended, what="both runs to end")
    await node.engine.writer.flushed()
    first, second = await node.runs_of(task_id)
    assert first["status"] == second["status"] == "success"
    assert first["deployment_id"] != second["deployment_id"]
    for run in (first, second):
        deployment = await node.deployment(run["deployment_id"])
        assert deployment["name"] == f"duo-run-{run['id']}"
        assert all(is_gone(pid) for pid in pids_of(deployment))


async def test_deployments_start_one_slot_at_a_time(db_url: str) -> None:
    """With one start slot, a deployment's agents start only once the previous deployment's are
    ready: many team runs due together do not start hundreds of processes at once."""
    node = await TeamNode(db_url, starting_at_once=1).start()
    try:
        await node.add_team("trio", TRIO)
        task_ids = [await node.schedule("trio", f"prompt {i}") for i in range(3)]
        finished = [await node.finished_run(task_id) for task_id in task_ids]
        assert [run["status"] for run in finished] == ["success"] * 3
        spans = sorted(
            (times["team_deploying"], times["team_ready"])
            for times in [await node.event_times(run["id"]) for run in finished]
        )
        for (_, ready), (next_deploying, _) in itertools.pairwise(spans):
            assert next_deploying >= ready
    finally:
        await node.close()
