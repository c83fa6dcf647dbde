"""Team runs (3 agent processes each: a leader that asks two members): deploy → prompt →
teardown latency over sequential runs, then team runs due at once, doubling from 8 until one
fails or the next step would not fit in memory (up to 512): the largest step that succeeded."""

from __future__ import annotations

import time
from pathlib import Path

import psutil

from bench.common import Figure, create_batches, db_time, iso, say, utc_in, wait_for
from bench.server import PulseServer
from runagent_pulse import PulseClient
from tests.support.waiting import percentile

TRIO = [
    {"name": "boss", "role": "leader", "module": "team_agents", "entrypoint": "lead"},
    {"name": "researcher", "role": "member", "module": "team_agents", "entrypoint": "research"},
    {"name": "writer", "role": "member", "module": "team_agents", "entrypoint": "write"},
]
HOLD_SECONDS = 5.0
"""How long each run of the in-flight ramp holds its deployment (so that runs overlap)."""


def _durations(server: PulseServer, team: str) -> list[tuple[str, float, float]]:
    """(status, started, finished) of every finished run of ``team``'s tasks."""
    with server.sql() as conn:
        rows = conn.execute(
            "SELECT r.status, r.started_at, r.finished_at FROM runs r JOIN tasks t "
            "ON t.id = r.task_id WHERE t.agent_id = ? AND r.finished_at IS NOT NULL",
            (team,),
        ).fetchall()
    return [(s, db_time(a).timestamp(), db_time(b).timestamp()) for s, a, b in rows if a]


def _deployed_spans(server: PulseServer, team: str) -> list[tuple[float, float]]:
    """(ready, stopped) of every successful run of ``team``'s tasks: from the moment all its
    agents were ready to the end of its teardown (not the wait for a start slot before)."""
    with server.sql() as conn:
        rows = conn.execute(
            "SELECT MAX(CASE WHEN e.kind = 'team_ready' THEN e.at END), "
            "MAX(CASE WHEN e.kind = 'team_stopped' THEN e.at END) "
            "FROM runs r JOIN tasks t ON t.id = r.task_id JOIN run_events e ON e.run_id = r.id "
            "WHERE t.agent_id = ? AND r.status = 'success' GROUP BY r.id",
            (team,),
        ).fetchall()
    return [(db_time(a).timestamp(), db_time(b).timestamp()) for a, b in rows if a and b]


def _latency(server: PulseServer, pulse: PulseClient, runs: int) -> list[Figure]:
    pulse.create_team("bench-trio", TRIO)
    for _ in range(runs):  # one after the other: the latency of a run on a quiet node
        task = pulse.schedule_team("bench-trio", "report", retry={"max_attempts": 1})
        result = task.wait(timeout=120)
        if result["status"] != "completed":
            raise RuntimeError(f"a team run failed: {result.get('error')}")
    times = [(end - start) * 1000 for _, start, end in _durations(server, "bench-trio")]
    say(f"{len(times)} runs, min {min(times):.0f} ms, max {max(times):.0f} ms")
    return [
        Figure("teams", "3-agent deploy→prompt→teardown p50", percentile(times, 50), "ms"),
        Figure("teams", "3-agent deploy→prompt→teardown p95", percentile(times, 95), "ms"),
    ]


def _peak_overlap(spans: list[tuple[float, float]]) -> int:
    edges = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    peak = current = 0
    for _, step in edges:
        current += step
        peak = max(peak, current)
    return peak


MEMORY_SHARE = 0.6
"""The ramp stops before a step whose memory could pass this share of what the machine has
available: twice the growth the step before measured (twice the runs; fewer of them may run at
the same time, since deployments start a few at a time)."""


def _in_flight(server: PulseServer, pulse: PulseClient, first: int, last: int) -> list[Figure]:
    """Team runs due at once, doubling from ``first``, until a step has a run that did not
    succeed, the next step would not fit in memory, or ``last`` passed; where it stopped."""
    pulse.create_team("bench-hold", [{**TRIO[0], "entrypoint": "lead_holds"}, *TRIO[1:]])
    best = peak = 0
    idle = server.rss_bytes()
    per_run = grown = 0.0
    count, stopped = first, f"the ramp's last step ({last}) succeeded"
    while count <= last:
        if 2 * grown * 2**20 > MEMORY_SHARE * psutil.virtual_memory().available:
            stopped = f"memory: {count} could need ~{2 * grown / 1024:.1f} GiB"
            break
        task = {
            "agent_id": "bench-hold",
            "entrypoint_tag": "team",
            "executor_type": "team",
            "when": iso(utc_in(2)),
            "params": {"prompt": str(HOLD_SECONDS)},
            "retry": {"max_attempts": 1},
            "timeout": 600,
        }
        before = len(_durations(server, "bench-hold"))
        step_began = time.time()
        create_batches(server, [task] * count)
        rss = [idle]

        def ended(c: int = count, b: int = before, seen: list[int] = rss) -> bool:
            seen.append(server.rss_bytes())  # the server and every agent process it started
            return len(_durations(server, "bench-hold")) >= b + c

        wait_for(ended, bound=1200, what=f"{count} team runs to end", interval=0.2)
        finished = _durations(server, "bench-hold")[before:]
        ok = [(start, end) for status, start, end in finished if status == "success"]
        deployed = [s for s in _deployed_spans(server, "bench-hold") if s[0] >= step_began]
        overlap = _peak_overlap(deployed)
        grown = (max(rss) - idle) / 2**20
        say(
            f"{count} at once: {len(ok)} succeeded, {overlap} deployed at the same time, "
            f"RSS +{grown:,.0f} MiB at the peak"
        )
        if len(ok) < count:
            stopped = f"{count - len(ok)} of {count} runs did not succeed: {_first_error(server)}"
            break
        best, peak = count, max(peak, overlap)
        per_run = grown / max(overlap, 1)
        count *= 2
    say(f"the ramp stopped at {count}: {stopped}")
    return [
        Figure("teams", "3-agent team runs at once, all succeeded", best, "runs"),
        Figure("teams", "peak deployments running at the same time", peak, "runs"),
        Figure("teams", "memory per running 3-agent deployment", per_run, "MiB"),
    ]


def _first_error(server: PulseServer) -> str:
    rows = server.rows(
        "SELECT r.error_type, r.error_message FROM runs r JOIN tasks t ON t.id = r.task_id "
        "WHERE t.agent_id = 'bench-hold' AND r.status NOT IN ('success', 'scheduled', 'running') "
        "LIMIT 1"
    )
    return f"{rows[0][0]}: {str(rows[0][1])[:200]}" if rows else "unknown"


def run(workdir: Path, *, quick: bool) -> list[Figure]:
    server = PulseServer(workdir).start()
    try:
        with PulseClient(server_url=server.url) as pulse:
            figures = _latency(server, pulse, 10 if quick else 50)
            figures += (
                _in_flight(server, pulse, 2, 4) if quick else _in_flight(server, pulse, 8, 512)
            )
        return figures
    finally:
        server.stop()
