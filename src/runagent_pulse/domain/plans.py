"""Value objects passed between the engine's decisions and the store that applies them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from runagent_pulse.domain.statuses import RunStatus, Trigger


@dataclass(slots=True)
class NewRun:
    """A run row to insert: a next fire, a catch-up fire, a skipped fire, or a retry."""

    task_id: str
    scheduled_for: datetime
    trigger: Trigger
    attempt: int = 1
    status: RunStatus = RunStatus.SCHEDULED
    due_at: datetime | None = None
    skip_reason: str | None = None


@dataclass(slots=True)
class TaskAdvance:
    """What a claim changes on a task: its next fire and the fires it consumed."""

    task_id: str
    next_run_at: datetime | None
    fires_added: int
    last_fire_at: datetime


@dataclass(slots=True)
class ClaimPlan:
    """What to do with a batch of due runs."""

    start: list[str] = field(default_factory=list)
    skip: list[tuple[str, str]] = field(default_factory=list)
    park: list[str] = field(default_factory=list)
    cancel_running_of: list[str] = field(default_factory=list)
    new_runs: list[NewRun] = field(default_factory=list)
    advances: list[TaskAdvance] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True, slots=True)
class RunEvent:
    """One entry of a run's log, emitted by its executor (``ctx.event(kind, **data)``)."""

    run_id: str
    seq: int
    kind: str
    data: dict[str, Any]
    at: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a run ended, as reported by its runner or by lease recovery."""

    run_id: str
    status: RunStatus
    finished_at: datetime
    result: Any = None
    error_type: str | None = None
    error_message: str | None = None
    retryable: bool = True
    expected_owner: str | None = None
    """When set, the outcome applies only if the run is still leased by this node."""
    released: bool = False
    """The node let go of the run (graceful shutdown): retry it at once, whatever the policy."""
    events: tuple[RunEvent, ...] = ()
    """Events of the run not yet written; recorded in the same transaction as the outcome."""
