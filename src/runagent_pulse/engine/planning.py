"""Pure decisions the engine takes inside a claim or a completion transaction.

The store selects the rows, calls these functions, and applies what they return; nothing here
touches the database, so every policy is testable with plain values.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import orjson

from runagent_pulse.domain.plans import ClaimPlan, NewRun, Outcome, TaskAdvance
from runagent_pulse.domain.policies import MAX_RECORDED_SKIPS, RetryPolicy, plan_catchup
from runagent_pulse.domain.statuses import (
    FAILED_RUN_STATUSES,
    Catchup,
    Overlap,
    RunStatus,
    Trigger,
)
from runagent_pulse.timespec import Schedule, schedule_from_spec

Row = Mapping[str, Any]

MISFIRE_GRACE = timedelta(seconds=60)
"""A fire claimed later than this after its time counts as missed (a downtime), and the task's
catch-up policy decides what runs; a fire claimed within it simply runs late."""


class ScheduleCache:
    """Schedules rebuilt from stored specs, by the spec's JSON text (``trigger_spec`` as the
    claim reads it): a schedule depends on nothing else, so the tasks that share a spec (a
    batch due at one instant, a cron expression) share one decoded, immutable schedule."""

    def __init__(self, size: int = 50_000) -> None:
        self._size = size
        self._cache: dict[str, Schedule] = {}

    def get(self, task: Row) -> Schedule:
        spec: str = task["trigger_spec"]
        schedule = self._cache.get(spec)
        if schedule is None:
            if len(self._cache) >= self._size:
                self._cache.clear()
            schedule = self._cache[spec] = schedule_from_spec(orjson.loads(spec))
        return schedule


def _remaining_fires(task: Row) -> int | None:
    return None if task["max_runs"] is None else max(task["max_runs"] - task["fires"], 0)


def _overlap_decision(plan: ClaimPlan, run: Row, running: set[str], buffered: set[str]) -> None:
    task_id = run["task_id"]
    overlap = Overlap(run["overlap"])
    busy = task_id in running
    if overlap is Overlap.ALLOW or run["trigger"] == Trigger.RETRY or not busy:
        plan.start.append(run["id"])
        running.add(task_id)
    elif overlap is Overlap.SKIP:
        plan.skip.append((run["id"], "previous run still running (overlap=skip)"))
        plan.skipped[task_id] += 1
    elif overlap is Overlap.BUFFER_ONE:
        if task_id in buffered:
            plan.skip.append((run["id"], "a run is already waiting (overlap=buffer_one)"))
            plan.skipped[task_id] += 1
        else:
            plan.park.append(run["id"])
            buffered.add(task_id)
    else:  # cancel_previous
        plan.cancel_running_of.append(task_id)
        plan.start.append(run["id"])


def plan_claim(
    due: list[Row],
    *,
    now: datetime,
    running: set[str],
    buffered: set[str],
    schedules: ScheduleCache,
) -> ClaimPlan:
    """Decide, for due runs joined with their task, which start, which are skipped, and the
    next fire of every task whose scheduled fire is being consumed.

    ``running``: tasks that have a running run; ``buffered``: tasks with a parked run
    (both only needed for tasks whose overlap policy is not ``allow``).
    """
    plan = ClaimPlan()
    for run in due:
        if run["trigger"] != Trigger.SCHEDULE:
            _overlap_decision(plan, run, running, buffered)
            continue
        schedule = schedules.get(run)
        fire = run["scheduled_for"]
        remaining = _remaining_fires(run)
        limit = MAX_RECORDED_SKIPS + 200 if remaining is None else min(remaining, 10_000)
        missed = schedule.kind != "once" and now - fire > MISFIRE_GRACE
        later = schedule.fires_between(fire, now, limit) if missed else []
        if missed:
            catchup = plan_catchup(
                Catchup(run["catchup"]),
                [fire, *later],
                now=now,
                window=timedelta(seconds=run["catchup_window_seconds"]),
            )
            plan.skipped[run["task_id"]] += catchup.skipped_total
            for skipped_fire, reason in catchup.skip:
                if skipped_fire == fire:
                    plan.skip.append((run["id"], reason))
                else:
                    plan.new_runs.append(
                        NewRun(
                            run["task_id"],
                            skipped_fire,
                            Trigger.CATCHUP,
                            status=RunStatus.SKIPPED,
                            skip_reason=reason,
                        )
                    )
            for run_fire in catchup.run:
                if run_fire == fire:
                    _overlap_decision(plan, run, running, buffered)
                else:
                    plan.new_runs.append(
                        NewRun(run["task_id"], run_fire, Trigger.CATCHUP, due_at=now)
                    )
            last_fire = later[-1] if later else fire
        else:
            _overlap_decision(plan, run, running, buffered)
            last_fire = fire
        fires_added = 1 + len(later)
        next_fire = None
        if remaining is None or remaining > fires_added:
            next_fire = schedule.next_after(last_fire)
        if next_fire is not None:
            plan.new_runs.append(
                NewRun(run["task_id"], next_fire, Trigger.SCHEDULE, due_at=next_fire)
            )
        plan.advances.append(TaskAdvance(run["task_id"], next_fire, fires_added, last_fire))
    return plan


def retry_policy(task: Row) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=task["retry_max_attempts"],
        backoff=timedelta(seconds=task["retry_backoff_seconds"]),
        max_backoff=timedelta(seconds=task["retry_max_backoff_seconds"]),
    )


def plan_retry(run: Row, outcome: Outcome, *, now: datetime, rng: random.Random) -> NewRun | None:
    """The retry run to insert after ``outcome``, if the task's policy asks for one."""
    if outcome.status not in FAILED_RUN_STATUSES or not outcome.retryable:
        return None
    if run["task_status"] not in ("active", "paused"):
        return None
    if outcome.released:
        delay: timedelta | None = timedelta(0)
    else:
        delay = retry_policy(run).delay_before(run["attempt"] + 1, rng)
    if delay is None:
        return None
    due = now + delay if run["task_status"] == "active" else None
    return NewRun(
        run["task_id"], run["scheduled_for"], Trigger.RETRY, attempt=run["attempt"] + 1, due_at=due
    )
