"""teams, deployments and their conversations

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import runagent_pulse.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_LIVE = "status NOT IN ('stopped', 'failed')"


def _instant(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, runagent_pulse.store.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("runtime", sa.String(length=20), nullable=False),
        sa.Column("agents", sa.JSON(), nullable=False),
        _instant("created_at"),
        _instant("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
    )
    op.create_table(
        "deployments",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("task_id", sa.String(length=40), nullable=False),
        sa.Column("team_id", sa.String(length=40), nullable=False),
        sa.Column("team_name", sa.String(length=64), nullable=False),
        sa.Column("runtime", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("agents", sa.JSON(), nullable=False),
        sa.Column("node", sa.String(length=100), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        _instant("created_at"),
        _instant("updated_at"),
        _instant("stopped_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.id"],
            name=op.f("fk_deployments_run_id_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployments")),
    )
    with op.batch_alter_table("deployments", schema=None) as batch_op:
        batch_op.create_index("ix_deployments_run_id", ["run_id"], unique=False)
        batch_op.create_index(
            "ix_deployments_live",
            ["status"],
            unique=False,
            sqlite_where=sa.text(_LIVE),
            postgresql_where=sa.text(_LIVE),
        )
    op.create_table(
        "conversation",
        sa.Column("deployment_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sender", sa.String(length=100), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("content", sa.JSON(), nullable=True),
        _instant("at"),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_conversation_deployment_id_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("deployment_id", "seq", name=op.f("pk_conversation")),
    )


def downgrade() -> None:
    op.drop_table("conversation")
    with op.batch_alter_table("deployments", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_deployments_live", sqlite_where=sa.text(_LIVE), postgresql_where=sa.text(_LIVE)
        )
        batch_op.drop_index("ix_deployments_run_id")
    op.drop_table("deployments")
    op.drop_table("teams")
