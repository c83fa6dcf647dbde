"""The reaper ends the agent processes of deployments whose run is no longer running on a live
node, and never signals a process that is not the one recorded."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from runagent_pulse.domain.ids import new_id
from runagent_pulse.executors.team import processes
from runagent_pulse.executors.team.reaper import DeploymentReaper
from runagent_pulse.store import deployments as deployment_store
from runagent_pulse.store.tables import runs
from tests.integration.teams.support import TeamNode, agent, is_gone

pytestmark = pytest.mark.slow


@pytest.fixture
async def node(db_url: str) -> AsyncIterator[TeamNode]:
    started = await TeamNode(db_url).start()
    yield started
    await started.close()


@pytest.fixture
def spawned() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes started like agents (own session), killed at the end if still there."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def spawn(started: list[subprocess.Popen[bytes]], deployment_id: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(300)"],
        env={**os.environ, processes.DEPLOYMENT_ENV: deployment_id},
        start_new_session=True,
    )
    started.append(process)
    return process


async def add_deployment(
    node: TeamNode, *, lease_ago: float, agents: list[dict[str, Any]], deployment_id: str
) -> str:
    """A team task whose run is ``running`` with a lease that ended ``lease_ago`` seconds ago
    (negative: still valid), and a ``running`` deployment of it."""
    await node.add_team(f"t{deployment_id[-6:]}", [agent("boss", "lead", role="leader")])
    task_id = await node.schedule(f"t{deployment_id[-6:]}", "x", when="in 1 hour")
    [run] = await node.runs_of(task_id)
    now = datetime.now(UTC)
    async with node.db.write() as conn:
        await conn.execute(
            runs.update()
            .where(runs.c.id == run["id"])
            .values(
                status="running",
                lease_owner="dead-node",
                lease_expires_at=now - timedelta(seconds=lease_ago),
            )
        )
        await deployment_store.insert_deployment(
            conn,
            {
                "id": deployment_id,
                "name": f"t-run-{run['id']}",
                "run_id": run["id"],
                "task_id": task_id,
                "team_id": "team_x",
                "team_name": "t",
                "runtime": "process",
                "status": "running",
                "agents": agents,
                "node": "dead-node",
                "error": None,
                "created_at": now,
                "updated_at": now,
                "stopped_at": None,
            },
        )
    return run["id"]


def record(process: subprocess.Popen[bytes], started: float | None = None) -> dict[str, Any]:
    identity = processes.start_time(process.pid) if started is None else started
    return {
        "name": "boss",
        "role": "leader",
        "address": "pid",
        "pid": process.pid,
        "started": identity,
    }


async def test_orphans_are_ended_and_their_deployment_stopped(
    node: TeamNode, spawned: list[subprocess.Popen[bytes]]
) -> None:
    orphan_id, live_id = new_id("dep"), new_id("dep")
    orphan = spawn(spawned, orphan_id)
    live = spawn(spawned, live_id)
    await add_deployment(node, lease_ago=5, agents=[record(orphan)], deployment_id=orphan_id)
    await add_deployment(node, lease_ago=-30, agents=[record(live)], deployment_id=live_id)

    reaper = DeploymentReaper(node.db, clock=node.clock, interval=60)
    assert await reaper.reap_once() == 1

    orphan.wait(timeout=10)
    assert is_gone(orphan.pid)
    stopped = await node.deployment(orphan_id)
    assert stopped["status"] == "stopped"
    assert "1 agent process(es) were still running" in stopped["error"]
    assert live.poll() is None  # its run is still leased by a live node: untouched
    assert (await node.deployment(live_id))["status"] == "running"


async def test_a_pid_that_is_not_the_recorded_process_is_never_signalled(
    node: TeamNode, spawned: list[subprocess.Popen[bytes]]
) -> None:
    deployment_id = new_id("dep")
    stranger = spawn(spawned, "dep_someone_else")
    impostor = spawn(spawned, deployment_id)
    agents = [
        record(stranger),  # right start time, wrong deployment in its environment
        {**record(impostor, started=1.0), "name": "m"},  # the pid was reused: other start time
    ]
    await add_deployment(node, lease_ago=5, agents=agents, deployment_id=deployment_id)

    await DeploymentReaper(node.db, clock=node.clock, interval=60).reap_once()

    assert stranger.poll() is None and impostor.poll() is None
    stopped = await node.deployment(deployment_id)
    assert stopped["status"] == "stopped"
    assert "0 agent process(es)" in stopped["error"]
