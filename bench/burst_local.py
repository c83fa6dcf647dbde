"""(b) 1,000 `local` runs of `simple_agent.echo` (worker processes) due at one instant
(target ≥ 500 runs/s)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.burst import measure_burst
from bench.common import Figure, Target


def local_echo(when: str) -> dict[str, Any]:
    return {
        "agent_id": "simple_agent",
        "entrypoint_tag": "echo",
        "executor_type": "local",
        "when": when,
        "params": {"n": 1},
    }


def run(workdir: Path, *, quick: bool) -> list[Figure]:
    return measure_burst(
        "burst_local",
        workdir,
        count=100 if quick else 1_000,
        make_task=local_echo,
        target=Target(">=", 500),
    )
