"""The staff console: interaction log, staff accounts, marks, feedback reasons, diagnosis outcomes.

``interactions`` holds one row per question answered (channel, kind, section cited, latency) so
the console aggregates in SQL; ``diagnosis_outcomes``/``diagnosis_scores`` hold finished
diagnoses anonymously (with an optional self-declared department and sector); ``staff_marks``
remembers what staff decided about an unanswered question; ``feedback.reason`` is the 👎 chip.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "interactions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("question_key", sa.String(200), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("in_scope", sa.Boolean(), nullable=False),
        sa.Column("section", sa.String(300), nullable=True),
        sa.Column("scope_score", sa.Float(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=False),
    )
    op.create_index("ix_interactions_created_at", "interactions", ["created_at"])
    op.create_index("ix_interactions_channel_created", "interactions", ["channel", "created_at"])
    # Covering index: every console aggregate reads only these columns, so the database never
    # visits the table rows of 100,000 questions (the question and answer texts are fetched by id).
    op.create_index(
        "ix_interactions_console",
        "interactions",
        ["created_at", "channel", "kind", "in_scope", "scope_score", "latency_ms", "day", "section", "question_key"],
    )
    op.create_index("ix_interactions_conversation_id", "interactions", ["conversation_id"])
    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locked_until", sa.Float(), nullable=False, server_default="0"),
        sa.Column("last_login", sa.Float(), nullable=True),
    )
    op.create_table(
        "staff_marks",
        sa.Column("question_key", sa.String(200), primary_key=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("mark", sa.String(16), nullable=False),
        sa.Column("section", sa.String(300), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_staff_marks_created_at", "staff_marks", ["created_at"])
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("reason", sa.String(80), nullable=True))
    op.create_table(
        "diagnosis_outcomes",
        sa.Column("diagnosis_id", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("level_id", sa.String(32), nullable=False),
        sa.Column("level_name", sa.String(100), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("percent", sa.Float(), nullable=False),
        sa.Column("department", sa.String(64), nullable=True),
        sa.Column("sector", sa.String(64), nullable=True),
    )
    op.create_index("ix_diagnosis_outcomes_created_at", "diagnosis_outcomes", ["created_at"])
    op.create_table(
        "diagnosis_scores",
        sa.Column("diagnosis_id", sa.String(64), primary_key=True),
        sa.Column("practice", sa.Integer(), primary_key=True),
        sa.Column("area_id", sa.String(64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    for table in ("diagnosis_scores", "diagnosis_outcomes", "staff_marks", "staff_accounts", "interactions"):
        op.drop_table(table)
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("reason")
