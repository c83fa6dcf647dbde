"""(a) 10,000 one-off `echo` runs due at one instant (target ≥ 10,000 runs/s)."""

from __future__ import annotations

from pathlib import Path

from bench.burst import measure_burst
from bench.common import Figure, Target, echo_task


def run(workdir: Path, *, quick: bool) -> list[Figure]:
    return measure_burst(
        "burst_echo",
        workdir,
        count=1_000 if quick else 10_000,
        make_task=echo_task,
        target=Target(">=", 10_000),
    )
