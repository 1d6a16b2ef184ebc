"""The outbox of settled-payment outcomes to tell customers (issue 16).

- ``payment_notifications``: one row per payment that reconcile settled after
  the customer was told it was unconfirmed; its ``state`` is claimed with a
  conditional update, so racing reconcilers tell the customer once.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("transaction_reference", sa.String(36), nullable=False, unique=True),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("told_by", sa.String(16)),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(255)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_payment_notifications_state", "payment_notifications", ["state"])


def downgrade() -> None:
    op.drop_index("ix_payment_notifications_state", "payment_notifications")
    op.drop_table("payment_notifications")
