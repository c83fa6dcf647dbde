"""executor targets: where a task's agent is served (runagent serve host and port)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 04:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("agent_host", sa.String(length=253), nullable=True))
        batch.add_column(sa.Column("agent_port", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("agent_port")
        batch.drop_column("agent_host")
