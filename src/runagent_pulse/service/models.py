"""The typed objects the application layer takes and returns (the REST API's request and
response bodies, the dashboard's forms, the MCP tools' schemas), with the limits every field
has."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

from runagent_pulse.timespec import TimespecError, parse_duration

MAX_BATCH = 10_000
MAX_METADATA_BYTES = 16 * 1024

ShortText = Annotated[str, Field(min_length=1, max_length=200)]


def _not_a_boolean(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be seconds or a duration such as '30m', not true/false")
    return value


Duration = Annotated[float | str, BeforeValidator(_not_a_boolean)]
"""Seconds, or a duration such as ``'30m'``."""
ExecutorName = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_]{0,39}$",
        description="auto | local | echo | serverless | http | team (see GET /v1/executors)",
    ),
]

AgentHost = Annotated[
    str,
    Field(
        min_length=1,
        max_length=253,
        pattern=r"^[A-Za-z0-9]([A-Za-z0-9.\-]*[A-Za-z0-9])?$|^[0-9A-Fa-f:.]+$",
        description="serverless: host of an agent served by `runagent serve` (a name or an IP)",
    ),
]


def _check_finite(value: Any, where: str) -> None:
    """Refuse NaN, Infinity and numbers too large for a double (``1e400``): JSON cannot hold
    them, and storing them as ``null`` would change what the agent receives."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where} is {value!r}; JSON numbers must be finite")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_finite(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_finite(item, f"{where}[{index}]")


def json_size(value: Any, field: str) -> int:
    """Size of ``value`` as stored JSON; values JSON cannot hold are a ``ValueError``."""
    _check_finite(value, field)
    try:
        return len(orjson.dumps(value))
    except TypeError as exc:
        raise ValueError(f"{field} cannot be stored as JSON: {exc}") from exc


def duration_seconds(value: Duration | None, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{field} must be seconds or a duration such as '30m'")
    try:
        seconds = parse_duration(value).total_seconds()
    except TimespecError as exc:
        raise ValueError(str(exc)) from exc
    if seconds <= 0 or seconds > 7 * 24 * 3600:
        raise ValueError(f"{field} must be between 1 second and 7 days")
    return seconds


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold NUL; refuse it on every backend alike.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain the NUL character (\\u0000)")
        return value


class RepeatIn(Strict):
    interval: (
        Annotated[str, Field(max_length=50)]
        | Annotated[float, Field(gt=0), BeforeValidator(_not_a_boolean)]
        | None
    ) = None
    times: Annotated[StrictInt, Field(ge=1, le=1_000_000)] | None = None
    until: datetime | None = None


class RetryIn(Strict):
    max_attempts: Annotated[StrictInt, Field(ge=1, le=20)] = 3
    backoff: Duration = 2.0
    max_backoff: Duration = 300.0

    @field_validator("backoff", "max_backoff")
    @classmethod
    def _duration(cls, value: Duration) -> float:
        seconds = duration_seconds(value, "retry backoff")
        assert seconds is not None
        return seconds


class TaskFields(Strict):
    """Fields a user may set at create time and change later."""

    params: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    name: Annotated[str, Field(max_length=200)] | None = None
    callback_url: Annotated[str, Field(min_length=1, max_length=2048)] | None = None
    callback_secret: Annotated[str, Field(pattern=r"^whsec_[A-Za-z0-9+/=]{16,200}$")] | None = None
    timezone: Annotated[str, Field(max_length=64)] | None = None
    repeat: RepeatIn | None = None
    timeout: Duration | None = Field(None, description="seconds, or a duration such as '30m'")
    retry: RetryIn | None = None
    overlap: Literal["allow", "skip", "buffer_one", "cancel_previous"] | None = None
    catchup: Literal["latest", "all", "skip"] | None = None
    catchup_window: Duration | None = None

    @field_validator("metadata")
    @classmethod
    def _metadata_size(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and json_size(value, "metadata") > MAX_METADATA_BYTES:
            raise ValueError(f"metadata is larger than {MAX_METADATA_BYTES} bytes as JSON")
        return value

    @field_validator("params")
    @classmethod
    def _params_json(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            json_size(value, "params")
        return value

    @field_validator("timeout", "catchup_window")
    @classmethod
    def _duration(cls, value: Duration | None) -> float | None:
        return duration_seconds(value, "this duration")


class TaskCreate(TaskFields):
    agent_id: ShortText
    entrypoint_tag: ShortText
    when: ShortText = "now"
    executor_type: ExecutorName | None = None
    user_id: Annotated[str, Field(max_length=200)] | None = None
    persistent_memory: StrictBool = False
    idempotency_key: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    agent_host: AgentHost | None = None
    agent_port: Annotated[StrictInt, Field(ge=1, le=65535)] | None = Field(
        None, description="serverless: port of the agent served by `runagent serve`"
    )

    @model_validator(mode="after")
    def _host_and_port(self) -> TaskCreate:
        if (self.agent_host is None) != (self.agent_port is None):
            raise ValueError(
                "agent_host and agent_port go together: give both to reach an agent served by "
                "`runagent serve`, or neither for a RunAgent cloud agent"
            )
        return self


class TaskPatch(TaskFields):
    when: ShortText | None = None


TaskStatusName = Literal["active", "paused", "completed", "cancelled"]
RunStatusName = Literal[
    "scheduled", "running", "success", "failed", "timeout", "cancelled", "skipped"
]


class TaskFilter(Strict):
    """Which tasks a list returns (every given field must match)."""

    status: TaskStatusName | None = None
    activity: Literal["idle", "running", "error"] | None = None
    agent_id: Annotated[str, Field(max_length=200)] | None = None
    executor_type: Annotated[str, Field(max_length=40)] | None = None
    q: Annotated[str, Field(max_length=200)] | None = Field(
        default=None, description="text in the task's name or agent_id (any case), or its id"
    )


class BatchCreate(Strict):
    tasks: Annotated[list[TaskCreate], Field(min_length=1, max_length=MAX_BATCH)]


class PauseIn(Strict):
    note: Annotated[str, Field(max_length=500)] | None = Field(
        None, description="why it is paused, shown with the task until it resumes"
    )


class ResumeIn(Strict):
    catch_up: StrictBool = False


class ParseIn(Strict):
    when: ShortText
    timezone: Annotated[str, Field(max_length=64)] = "UTC"
    now: datetime | None = None
    count: Annotated[StrictInt, Field(ge=1, le=100)] = 5
    repeat: RepeatIn | None = None


class ScheduleOut(BaseModel):
    kind: Literal["once", "cron", "interval"]
    description: str
    timezone: str
    next_runs: list[datetime]


class RetryOut(BaseModel):
    max_attempts: int
    backoff_seconds: float
    max_backoff_seconds: float


class Counters(BaseModel):
    runs: int
    succeeded: int
    failed: int
    skipped: int


class TaskOut(BaseModel):
    task_id: str
    name: str | None
    agent_id: str
    entrypoint_tag: str
    executor_type: str
    params: dict[str, Any]
    metadata: dict[str, Any]
    user_id: str | None
    persistent_memory: bool
    agent_host: str | None = None
    agent_port: int | None = None
    callback_url: str | None
    when: str
    timezone: str
    repeat: dict[str, Any] | None
    schedule: ScheduleOut
    status: str
    activity: str
    pause_note: str | None = Field(
        None, description="why the task was paused (given with the pause; cleared on resume)"
    )
    next_run_at: datetime | None
    last_run_at: datetime | None
    timeout_seconds: float
    effective_timeout_seconds: float | None = Field(
        None,
        description="team tasks: how long each run may take (the task's timeout, or "
        "SCHEDULE_TIMEOUT when the task was created without one); null for other executors",
    )
    retry: RetryOut
    overlap: str
    catchup: str
    catchup_window_seconds: float
    max_runs: int | None
    until: datetime | None
    counters: Counters
    idempotency_key: str | None
    created_at: datetime
    updated_at: datetime


class TaskList(BaseModel):
    items: list[TaskOut]
    next_cursor: str | None


class BatchItem(BaseModel):
    task_id: str
    status: str
    next_run_at: datetime | None


class BatchOut(BaseModel):
    count: int
    items: list[BatchItem]


class ErrorOut(BaseModel):
    type: str | None
    message: str | None


class RunOut(BaseModel):
    run_id: str
    execution_id: str
    task_id: str
    scheduled_for: datetime
    attempt: int
    trigger: str
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: int | None
    result: Any
    error: ErrorOut | None
    skip_reason: str | None
    executor: str | None
    node: str | None
    deployment_id: str | None
    created_at: datetime


class RunList(BaseModel):
    items: list[RunOut]
    next_cursor: str | None


class ResultOut(BaseModel):
    status: Literal["pending", "running", "completed", "failed"]
    result: Any = None
    execution_id: str | None = None
    error: str | None = None
    run: RunOut | None = None


class ExecutorOut(BaseModel):
    name: str
    available: bool
    reason: str | None = Field(
        None, description="why it is unavailable (or what it cannot do), and how to change it"
    )


class ExecutorList(BaseModel):
    default_executor: str = Field(description="DEFAULT_EXECUTOR: auto, serverless or local")
    resolved_default: str | None = Field(
        description="the executor a task without executor_type runs on; null if none is available"
    )
    items: list[ExecutorOut]


class RunEventOut(BaseModel):
    event_id: int
    seq: int
    kind: str
    data: dict[str, Any]
    at: datetime


class RunEventList(BaseModel):
    items: list[RunEventOut]
    next_cursor: str | None
    """Pass as ``cursor`` to read on; ``null`` when this page is the last one so far."""


DeliveryStatus = Literal["pending", "delivered", "gone", "failed"]


class AttemptOut(BaseModel):
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int | None
    next_attempt_at: datetime | None
    """When the following attempt is planned; ``null`` after the last one."""


class DeliveryOut(BaseModel):
    delivery_id: str
    webhook_id: str
    url: str
    status: DeliveryStatus
    attempts: list[AttemptOut]
    attempt_count: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime


class DeliveryList(BaseModel):
    items: list[DeliveryOut]


NodeState = Literal["alive", "dead", "stopped"]


class NodeOut(BaseModel):
    node_id: str
    host: str
    pid: int
    version: str
    role: str
    state: NodeState
    """``dead``: no heartbeat for a lease duration (its runs are recovered by other nodes)."""
    alive: bool
    started_at: datetime
    heartbeat_at: datetime
    stopped_at: datetime | None
    running_runs: int


class NodeList(BaseModel):
    items: list[NodeOut]
    server_time: datetime


class LimitsOut(BaseModel):
    max_batch: int
    max_params_bytes: int
    max_metadata_bytes: int


class ConfigOut(BaseModel):
    """The effective defaults and limits, so a client can warn before it creates a task."""

    version: str
    timezone: str
    default_executor: str
    executors: list[str]
    run_timeout_seconds: float
    schedule_timeout_seconds: float
    max_concurrent_runs: int
    limits: LimitsOut
    server_time: datetime
