"""Statuses of tasks and runs, and the transitions allowed between them (defined only here)."""

from __future__ import annotations

from enum import StrEnum


class TaskStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Activity(StrEnum):
    IDLE = "idle"
    RUNNING = "running"
    ERROR = "error"


class RunStatus(StrEnum):
    SCHEDULED = "scheduled"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


class Trigger(StrEnum):
    SCHEDULE = "schedule"
    MANUAL = "manual"
    RETRY = "retry"
    CATCHUP = "catchup"


class Overlap(StrEnum):
    ALLOW = "allow"
    SKIP = "skip"
    BUFFER_ONE = "buffer_one"
    CANCEL_PREVIOUS = "cancel_previous"


class Catchup(StrEnum):
    LATEST = "latest"
    ALL = "all"
    SKIP = "skip"


class DeploymentStatus(StrEnum):
    """A team deployment: ``deploying`` (recorded before any process starts) → ``running`` (every
    agent ready) → ``stopping`` → ``stopped``; ``failed`` when deploying or the readiness wait
    failed. ``stopped`` and ``failed`` both mean every agent process is verified gone; a teardown
    that cannot verify that leaves the deployment ``stopping`` for the reaper to finish."""

    DEPLOYING = "deploying"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"
    FAILED = "failed"


ENDED_DEPLOYMENT_STATUSES = frozenset({DeploymentStatus.STOPPED, DeploymentStatus.FAILED})

FINISHED_RUN_STATUSES = frozenset(
    {RunStatus.SUCCESS, RunStatus.FAILED, RunStatus.TIMEOUT, RunStatus.CANCELLED, RunStatus.SKIPPED}
)
FAILED_RUN_STATUSES = frozenset({RunStatus.FAILED, RunStatus.TIMEOUT})

RUN_TRANSITIONS: dict[RunStatus, frozenset[RunStatus]] = {
    RunStatus.SCHEDULED: frozenset({RunStatus.RUNNING, RunStatus.CANCELLED, RunStatus.SKIPPED}),
    RunStatus.RUNNING: frozenset(
        {RunStatus.SUCCESS, RunStatus.FAILED, RunStatus.TIMEOUT, RunStatus.CANCELLED}
        # back in the queue: its node died while it waited for a worker (its agent never began)
        | {RunStatus.SCHEDULED}
    ),
}

TASK_TRANSITIONS: dict[str, tuple[frozenset[TaskStatus], TaskStatus]] = {
    # action: (statuses it may start from, status it leads to)
    "pause": (frozenset({TaskStatus.ACTIVE}), TaskStatus.PAUSED),
    "resume": (frozenset({TaskStatus.PAUSED}), TaskStatus.ACTIVE),
    "cancel": (frozenset({TaskStatus.ACTIVE, TaskStatus.PAUSED}), TaskStatus.CANCELLED),
    "complete": (frozenset({TaskStatus.ACTIVE}), TaskStatus.COMPLETED),
}


def run_sources(target: RunStatus) -> frozenset[RunStatus]:
    """The statuses a run may move to ``target`` from (for conditional ``UPDATE … WHERE``)."""
    return frozenset(src for src, targets in RUN_TRANSITIONS.items() if target in targets)
