"""Messaging channels: seen message ids, customer-service windows, failed statuses, hand-off codes.

``channel_seen_messages`` makes "answer each WhatsApp message once" one unique insert shared by
every worker; ``channel_windows`` holds when each (hashed) user last wrote, for Meta's 24-hour
window; ``channel_failed_statuses`` keeps undelivered-message callbacks; ``channel_handoffs`` holds
the single-use codes that move a diagnosis to another channel.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_seen_messages",
        sa.Column("message_id", sa.String(160), primary_key=True),
        sa.Column("received_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_channel_seen_messages_received_at", "channel_seen_messages", ["received_at"])
    op.create_table(
        "channel_windows",
        sa.Column("user_key", sa.String(128), primary_key=True),
        sa.Column("last_inbound_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_channel_windows_last_inbound_at", "channel_windows", ["last_inbound_at"])
    op.create_table(
        "channel_failed_statuses",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_key", sa.String(128), nullable=False),
        sa.Column("message_id", sa.String(160), nullable=False),
        sa.Column("error_code", sa.String(32), nullable=False),
        sa.Column("error_title", sa.String(200), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_channel_failed_statuses_user_key", "channel_failed_statuses", ["user_key"])
    op.create_index("ix_channel_failed_statuses_created_at", "channel_failed_statuses", ["created_at"])
    op.create_table(
        "channel_handoffs",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("diagnosis_id", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("used_at", sa.Float(), nullable=True),
    )
    op.create_index("ix_channel_handoffs_diagnosis_id", "channel_handoffs", ["diagnosis_id"])
    op.create_index("ix_channel_handoffs_expires_at", "channel_handoffs", ["expires_at"])


def downgrade() -> None:
    for table, columns in (
        ("channel_handoffs", ["expires_at", "diagnosis_id"]),
        ("channel_failed_statuses", ["created_at", "user_key"]),
        ("channel_windows", ["last_inbound_at"]),
        ("channel_seen_messages", ["received_at"]),
    ):
        for column in columns:
            op.drop_index(f"ix_{table}_{column}", table_name=table)
        op.drop_table(table)
