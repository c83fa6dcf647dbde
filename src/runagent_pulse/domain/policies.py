"""Per-task policies: retries with backoff, and catch-up after downtime (pure)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from runagent_pulse.domain.statuses import Catchup

MAX_CATCHUP_RUNS = 100
"""Bound on the runs ``catchup=all`` starts after one downtime; further missed fires are skipped."""
MAX_RECORDED_SKIPS = 1000
"""Bound on the skipped-run rows written for one downtime; the task's counter counts them all."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 3
    backoff: timedelta = timedelta(seconds=2)
    max_backoff: timedelta = timedelta(minutes=5)

    def delay_before(self, next_attempt: int, rng: random.Random) -> timedelta | None:
        """Delay before ``next_attempt`` (2, 3, …), or None when attempts are exhausted.

        Exponential (``backoff * 2**(n-2)``) capped at ``max_backoff``, with "equal jitter":
        the delay is uniformly drawn from [half, full] so retries of many runs spread out.
        """
        if next_attempt > self.max_attempts:
            return None
        full: timedelta = min(self.backoff * (2 ** (next_attempt - 2)), self.max_backoff)
        return full / 2 + full / 2 * rng.random()


@dataclass(frozen=True, slots=True)
class CatchupPlan:
    run: list[datetime]
    skip: list[tuple[datetime, str]]
    skipped_total: int


def plan_catchup(
    policy: Catchup,
    missed: list[datetime],
    *,
    now: datetime,
    window: timedelta,
    more_missed: int = 0,
) -> CatchupPlan:
    """Decide which of the fires missed during a downtime run and which are skipped.

    ``missed`` are the nominal fires (oldest first) whose time passed while no node ran them;
    ``more_missed`` counts further ones beyond what the caller listed.
    """
    run: list[datetime] = []
    skip: list[tuple[datetime, str]] = []
    if policy is Catchup.ALL:
        run = missed[:MAX_CATCHUP_RUNS]
        reason = f"missed while Pulse was down; catchup=all runs at most {MAX_CATCHUP_RUNS}"
        skip = [(fire, reason) for fire in missed[MAX_CATCHUP_RUNS:]]
    elif policy is Catchup.LATEST and missed and now - missed[-1] <= window:
        run = [missed[-1]]
        reason = "missed while Pulse was down; catchup=latest runs only the most recent fire"
        skip = [(fire, reason) for fire in missed[:-1]]
    else:
        if policy is Catchup.LATEST:
            reason = f"missed while Pulse was down, older than the catch-up window ({window})"
        else:
            reason = "missed while Pulse was down; catchup=skip"
        skip = [(fire, reason) for fire in missed]
    total = len(skip) + more_missed
    return CatchupPlan(run=run, skip=skip[:MAX_RECORDED_SKIPS], skipped_total=total)
