"""dashboard indexes: tasks by executor and by agent, deployments by team (newest first)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 10:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tasks_executor_type_id", "tasks", ["executor_type", "id"])
    op.create_index("ix_tasks_agent_id_id", "tasks", ["agent_id", "id"])
    op.create_index("ix_deployments_team_id_id", "deployments", ["team_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_deployments_team_id_id", table_name="deployments")
    op.drop_index("ix_tasks_agent_id_id", table_name="tasks")
    op.drop_index("ix_tasks_executor_type_id", table_name="tasks")
