"""Run status changes: every ``UPDATE`` of a run's status is built here, conditional on the
statuses ``domain.statuses.RUN_TRANSITIONS`` allows it to come from, and a change that touched
fewer rows than expected is reported as a lost race, never taken for success.

Where a race is impossible by construction (SQLite has one writer; on PostgreSQL the claim and
the completion writer lock the rows first), a report means a bug, so it is logged as a warning
with the action and the counts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from runagent_pulse.domain.statuses import RunStatus, run_sources
from runagent_pulse.store.tables import runs

log = logging.getLogger(__name__)


def _checked(source: RunStatus, targets: Iterable[RunStatus]) -> sa.ColumnElement[bool]:
    """``status = source``, after checking the transition table allows ``source`` → each of
    ``targets`` (a wrong pair fails when the statement is built, at import time)."""
    for target in targets:
        if source not in run_sources(target):
            raise ValueError(f"a run may not move from {source} to {target}")
    return runs.c.status == source


def move_runs(source: RunStatus, target: RunStatus, *where: sa.ColumnElement[bool]) -> sa.Update:
    """``UPDATE runs SET status = target WHERE status = source AND <where>``; add further
    columns with ``.values(...)``."""
    return runs.update().where(_checked(source, [target]), *where).values(status=target)


RUN_OUTCOMES = (RunStatus.SUCCESS, RunStatus.FAILED, RunStatus.TIMEOUT, RunStatus.CANCELLED)


def finish_runs(*where: sa.ColumnElement[bool], status: Any) -> sa.Update:
    """A running run's outcome, given per row (``status`` is a bind parameter naming one of
    :data:`RUN_OUTCOMES`)."""
    condition = _checked(RunStatus.RUNNING, RUN_OUTCOMES)
    return runs.update().where(condition, *where).values(status=status)


def report_lost(action: str, *, expected: int, changed: int | None) -> int:
    """Log when a status change touched fewer rows than ``expected`` (``changed`` is None when
    the driver cannot count the rows of an ``executemany``); return the number lost."""
    if changed is None or changed >= expected:
        return 0
    lost = expected - changed
    log.warning(
        "%s: %d of %d runs had already left the expected status (a lost race)",
        action,
        lost,
        expected,
        extra={"action": "run_transition_lost", "transition": action, "lost": lost},
    )
    return lost
