"""run events and the node registry

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import runagent_pulse.store.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


# Statement-level, with the new rows as a transition table: one NOTIFY per statement that makes
# runs due (identical notifications in a transaction are folded into one by PostgreSQL).
_WAKE_FUNCTION = """
CREATE FUNCTION pulse_wake_on_due_runs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    earliest timestamptz;
BEGIN
    SELECT min(due_at) INTO earliest FROM changed_runs WHERE status = 'scheduled';
    IF earliest IS NOT NULL THEN
        PERFORM pg_notify('pulse_wake', extract(epoch FROM earliest)::text);
    END IF;
    RETURN NULL;
END;
$$
"""
_WAKE_TRIGGERS = [
    f"CREATE TRIGGER runs_wake_on_{event.lower()} AFTER {event} ON runs "
    "REFERENCING NEW TABLE AS changed_runs "
    "FOR EACH STATEMENT EXECUTE FUNCTION pulse_wake_on_due_runs()"
    for event in ("INSERT", "UPDATE")
]


def upgrade() -> None:
    op.create_table(
        "run_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("at", runagent_pulse.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_run_events_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_events")),
    )
    op.create_index("ix_run_events_run_id_id", "run_events", ["run_id", "id"], unique=False)
    op.create_table(
        "nodes",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("started_at", runagent_pulse.store.types.UTCDateTime(), nullable=False),
        sa.Column("heartbeat_at", runagent_pulse.store.types.UTCDateTime(), nullable=False),
        sa.Column("stopped_at", runagent_pulse.store.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nodes")),
    )
    op.create_index("ix_nodes_heartbeat_at", "nodes", ["heartbeat_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_WAKE_FUNCTION)
        for statement in _WAKE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for event in ("insert", "update"):
            op.execute(f"DROP TRIGGER runs_wake_on_{event} ON runs")
        op.execute("DROP FUNCTION pulse_wake_on_due_runs()")
    op.drop_index("ix_nodes_heartbeat_at", table_name="nodes")
    op.drop_table("nodes")
    op.drop_index("ix_run_events_run_id_id", table_name="run_events")
    op.drop_table("run_events")
