"""Several workers: row versions for compare-and-set writes, shared rate-limit counters.

``diagnoses.version`` and ``conversations.version`` let a worker write only if nobody changed the
row since it read it (two workers never apply the same diagnosis answer twice, no conversation
turn is lost). ``rate_limits`` holds one fixed-window counter per client and minute, so every
worker enforces the same budget.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("diagnoses") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("window_start", sa.Integer(), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_rate_limits_window_start", "rate_limits", ["window_start"])


def downgrade() -> None:
    op.drop_index("ix_rate_limits_window_start", table_name="rate_limits")
    op.drop_table("rate_limits")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("version")
    with op.batch_alter_table("diagnoses") as batch:
        batch.drop_column("version")
