"""The schema, shared by SQLite and PostgreSQL (SQLAlchemy Core)."""

from __future__ import annotations

import sqlalchemy as sa

from runagent_pulse.store.types import JSONValue, UTCDateTime

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(200)),
    sa.Column("agent_id", sa.String(200), nullable=False),
    sa.Column("entrypoint_tag", sa.String(200), nullable=False),
    sa.Column("executor_type", sa.String(40), nullable=False),
    sa.Column("params", JSONValue, nullable=False),
    sa.Column("metadata", JSONValue, nullable=False),
    sa.Column("user_id", sa.String(200)),
    sa.Column("persistent_memory", sa.Boolean, nullable=False, default=False),
    sa.Column("callback_url", sa.String(2048)),
    sa.Column("callback_secret", sa.String(200)),
    sa.Column("when_text", sa.String(200), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("repeat", JSONValue),
    sa.Column("trigger_spec", JSONValue, nullable=False),
    sa.Column("timeout_seconds", sa.Float, nullable=False),
    sa.Column("retry_max_attempts", sa.Integer, nullable=False),
    sa.Column("retry_backoff_seconds", sa.Float, nullable=False),
    sa.Column("retry_max_backoff_seconds", sa.Float, nullable=False),
    sa.Column("overlap", sa.String(20), nullable=False),
    sa.Column("catchup", sa.String(20), nullable=False),
    sa.Column("catchup_window_seconds", sa.Float, nullable=False),
    sa.Column("max_runs", sa.Integer),
    sa.Column("end_at", UTCDateTime),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("activity", sa.String(20), nullable=False),
    sa.Column("next_run_at", UTCDateTime),
    sa.Column("last_run_at", UTCDateTime),
    sa.Column("last_fire_at", UTCDateTime),
    sa.Column("fires", sa.Integer, nullable=False, default=0),
    sa.Column("runs_total", sa.Integer, nullable=False, default=0),
    sa.Column("runs_succeeded", sa.Integer, nullable=False, default=0),
    sa.Column("runs_failed", sa.Integer, nullable=False, default=0),
    sa.Column("runs_skipped", sa.Integer, nullable=False, default=0),
    sa.Column("idempotency_key", sa.String(200), unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("agent_host", sa.String(253)),
    sa.Column("agent_port", sa.Integer),
    sa.Column("pause_note", sa.String(500)),
    sa.Index("ix_tasks_status_id", "status", "id"),
    # The dashboard's filters: a page of one executor's or one agent's tasks, newest first.
    sa.Index("ix_tasks_executor_type_id", "executor_type", "id"),
    sa.Index("ix_tasks_agent_id_id", "agent_id", "id"),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column(
        "task_id", sa.String(40), sa.ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("scheduled_for", UTCDateTime, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("trigger", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("due_at", UTCDateTime),
    sa.Column("lease_owner", sa.String(100)),
    sa.Column("lease_expires_at", UTCDateTime),
    sa.Column("cancel_requested", sa.Boolean, nullable=False, default=False),
    sa.Column("buffered", sa.Boolean, nullable=False, default=False),
    sa.Column("started_at", UTCDateTime),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("duration_ms", sa.Integer),
    sa.Column("result", JSONValue),
    sa.Column("error_type", sa.String(200)),
    sa.Column("error_message", sa.Text),
    sa.Column("skip_reason", sa.String(500)),
    sa.Column("executor", sa.String(40)),
    sa.Column("node", sa.String(100)),
    sa.Column("deployment_id", sa.String(200)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("task_id", "scheduled_for", "attempt"),
    # "What is due next": only scheduled rows are indexed, so the index stays small however
    # many finished runs accumulate.
    sa.Index(
        "ix_runs_due",
        "due_at",
        sqlite_where=sa.text("status = 'scheduled'"),
        postgresql_where=sa.text("status = 'scheduled'"),
    ),
    sa.Index(
        "ix_runs_lease",
        "lease_expires_at",
        sqlite_where=sa.text("status = 'running'"),
        postgresql_where=sa.text("status = 'running'"),
    ),
    sa.Index("ix_runs_task_id_id", "task_id", "id"),
    sa.Index("ix_runs_status_id", "status", "id"),
    sa.Index("ix_runs_finished_at", "finished_at"),
)

kv = sa.Table(
    "kv",
    metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column(
        "run_id", sa.String(40), sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("task_id", sa.String(40), nullable=False),
    sa.Column("webhook_id", sa.String(60), nullable=False),
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("payload", JSONValue, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", UTCDateTime),
    sa.Column("lease_expires_at", UTCDateTime),
    sa.Column("last_status_code", sa.Integer),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index(
        "ix_deliveries_due",
        "next_attempt_at",
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    ),
    sa.Index("ix_deliveries_run_id", "run_id"),
)

delivery_attempts = sa.Table(
    "delivery_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "delivery_id",
        sa.String(40),
        sa.ForeignKey("deliveries.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("attempted_at", UTCDateTime, nullable=False),
    sa.Column("status_code", sa.Integer),
    sa.Column("error", sa.Text),
    sa.Column("duration_ms", sa.Integer),
    sa.Column("next_attempt_at", UTCDateTime),
    sa.Index("ix_delivery_attempts_delivery_id", "delivery_id"),
)

teams = sa.Table(
    "teams",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("runtime", sa.String(20), nullable=False),
    sa.Column("agents", JSONValue, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

deployments = sa.Table(
    "deployments",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column(
        "run_id", sa.String(40), sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("task_id", sa.String(40), nullable=False),
    sa.Column("team_id", sa.String(40), nullable=False),
    sa.Column("team_name", sa.String(64), nullable=False),
    sa.Column("runtime", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("agents", JSONValue, nullable=False),
    sa.Column("node", sa.String(100), nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("stopped_at", UTCDateTime),
    sa.Index("ix_deployments_run_id", "run_id"),
    sa.Index("ix_deployments_team_id_id", "team_id", "id"),
    # What the reaper looks at: only deployments that have not ended are indexed.
    sa.Index(
        "ix_deployments_live",
        "status",
        sqlite_where=sa.text("status NOT IN ('stopped', 'failed')"),
        postgresql_where=sa.text("status NOT IN ('stopped', 'failed')"),
    ),
)

conversation = sa.Table(
    "conversation",
    metadata,
    sa.Column(
        "deployment_id",
        sa.String(40),
        sa.ForeignKey("deployments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("sender", sa.String(100), nullable=False),
    sa.Column("recipient", sa.String(100), nullable=False),
    sa.Column("content", JSONValue),
    sa.Column("at", UTCDateTime, nullable=False),
)


run_events = sa.Table(
    "run_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "run_id", sa.String(40), sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("data", JSONValue, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_run_events_run_id_id", "run_id", "id"),
)

nodes = sa.Table(
    "nodes",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("version", sa.String(40), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("heartbeat_at", UTCDateTime, nullable=False),
    sa.Column("stopped_at", UTCDateTime),
    sa.Index("ix_nodes_heartbeat_at", "heartbeat_at"),
)
