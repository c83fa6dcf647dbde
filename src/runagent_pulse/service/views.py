"""Turning stored rows into the application layer's typed objects."""

from __future__ import annotations

from datetime import datetime, timedelta

from runagent_pulse.domain.statuses import RunStatus, TaskStatus
from runagent_pulse.executors.http_request import HTTP, redact_params
from runagent_pulse.service.models import (
    AttemptOut,
    DeliveryOut,
    NodeOut,
    NodeState,
    ResultOut,
    RunEventOut,
    RunOut,
    TaskOut,
)
from runagent_pulse.service.team_models import DeploymentOut, TeamOut
from runagent_pulse.store.sql import Row
from runagent_pulse.timespec import Schedule, schedule_from_spec


def upcoming(task: Row, schedule: Schedule, count: int = 5) -> list[datetime]:
    """The task's next ``count`` fires, from its materialized next fire, within its limits."""
    fires: list[datetime] = []
    live = task["status"] in (TaskStatus.ACTIVE, TaskStatus.PAUSED)
    fire = task["next_run_at"] if live else None
    remaining = None if task["max_runs"] is None else task["max_runs"] - task["fires"]
    while fire is not None and len(fires) < count and (remaining is None or len(fires) < remaining):
        fires.append(fire)
        fire = schedule.next_after(fire)
    return fires


def task_view(task: Row) -> TaskOut:
    schedule = schedule_from_spec(task["trigger_spec"])
    return TaskOut(
        task_id=task["id"],
        name=task["name"],
        agent_id=task["agent_id"],
        entrypoint_tag=task["entrypoint_tag"],
        executor_type=task["executor_type"],
        params=(redact_params(task["params"]) if task["executor_type"] == HTTP else task["params"]),
        metadata=task["metadata"],
        user_id=task["user_id"],
        persistent_memory=task["persistent_memory"],
        agent_host=task["agent_host"],
        agent_port=task["agent_port"],
        callback_url=task["callback_url"],
        when=task["when_text"],
        timezone=task["timezone"],
        repeat=task["repeat"],
        schedule={
            "kind": schedule.kind,
            "description": schedule.description,
            "timezone": schedule.timezone,
            "next_runs": upcoming(task, schedule),
        },
        status=task["status"],
        activity=task["activity"],
        pause_note=task["pause_note"],
        next_run_at=task["next_run_at"],
        last_run_at=task["last_run_at"],
        timeout_seconds=task["timeout_seconds"],
        effective_timeout_seconds=(
            task["timeout_seconds"] if task["executor_type"] == "team" else None
        ),
        retry={
            "max_attempts": task["retry_max_attempts"],
            "backoff_seconds": task["retry_backoff_seconds"],
            "max_backoff_seconds": task["retry_max_backoff_seconds"],
        },
        overlap=task["overlap"],
        catchup=task["catchup"],
        catchup_window_seconds=task["catchup_window_seconds"],
        max_runs=task["max_runs"],
        until=task["end_at"],
        counters={
            "runs": task["runs_total"],
            "succeeded": task["runs_succeeded"],
            "failed": task["runs_failed"],
            "skipped": task["runs_skipped"],
        },
        idempotency_key=task["idempotency_key"],
        created_at=task["created_at"],
        updated_at=task["updated_at"],
    )


def run_view(run: Row) -> RunOut:
    error = None
    if run["error_type"] or run["error_message"]:
        error = {"type": run["error_type"], "message": run["error_message"]}
    return RunOut(
        run_id=run["id"],
        execution_id=run["id"],
        task_id=run["task_id"],
        scheduled_for=run["scheduled_for"],
        attempt=run["attempt"],
        trigger=run["trigger"],
        status=run["status"],
        started_at=run["started_at"],
        finished_at=run["finished_at"],
        duration_ms=run["duration_ms"],
        result=run["result"],
        error=error,
        skip_reason=run["skip_reason"],
        executor=run["executor"],
        node=run["node"],
        deployment_id=run["deployment_id"],
        created_at=run["created_at"],
    )


def result_view(latest: Row | None, running: bool) -> ResultOut:
    """The guide's polling shape, from the latest run that ran to an end."""
    if latest is None:
        return ResultOut(status="running" if running else "pending")
    run = run_view(latest)
    if latest["status"] == RunStatus.SUCCESS:
        return ResultOut(
            status="completed", result=latest["result"], execution_id=latest["id"], run=run
        )
    error = f"{latest['error_type'] or 'Error'}: {latest['error_message'] or latest['status']}"
    return ResultOut(status="failed", execution_id=latest["id"], error=error, run=run)


def event_view(row: Row) -> RunEventOut:
    return RunEventOut(
        event_id=row["id"], seq=row["seq"], kind=row["kind"], data=row["data"], at=row["at"]
    )


def delivery_view(row: Row) -> DeliveryOut:
    return DeliveryOut(
        delivery_id=row["id"],
        webhook_id=row["webhook_id"],
        url=row["url"],
        status=row["status"],
        attempts=[
            AttemptOut(
                attempted_at=a["attempted_at"],
                status_code=a["status_code"],
                error=a["error"],
                duration_ms=a["duration_ms"],
                next_attempt_at=a["next_attempt_at"],
            )
            for a in row.get("attempt_log", [])
        ],
        attempt_count=row["attempts"],
        next_attempt_at=row["next_attempt_at"] if row["status"] == "pending" else None,
        last_status_code=row["last_status_code"],
        last_error=row["last_error"],
        created_at=row["created_at"],
    )


def node_view(row: Row, *, now: datetime, dead_after: timedelta) -> NodeOut:
    state: NodeState
    if row["stopped_at"] is not None:
        state = "stopped"
    elif now - row["heartbeat_at"] > dead_after:
        state = "dead"
    else:
        state = "alive"
    return NodeOut(
        node_id=row["id"],
        host=row["host"],
        pid=row["pid"],
        version=row["version"],
        role=row["role"],
        state=state,
        alive=state == "alive",
        started_at=row["started_at"],
        heartbeat_at=row["heartbeat_at"],
        stopped_at=row["stopped_at"],
        running_runs=row["running_runs"],
    )


def team_view(row: Row) -> TeamOut:
    return TeamOut(
        team_id=row["id"],
        name=row["name"],
        runtime=row["runtime"],
        agents=row["agents"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def deployment_view(row: Row) -> DeploymentOut:
    return DeploymentOut(
        deployment_id=row["id"],
        name=row["name"],
        run_id=row["run_id"],
        task_id=row["task_id"],
        team_id=row["team_id"],
        team_name=row["team_name"],
        runtime=row["runtime"],
        status=row["status"],
        agents=row["agents"],
        node=row["node"],
        error=row["error"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        stopped_at=row["stopped_at"],
    )
