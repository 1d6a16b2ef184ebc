"""Bookings and O'mari payment transactions, as the first release created them.

This is exactly the schema ``create_all`` made before ``opening_amount_paid``
existed, so a database from that release is stamped at this revision and
carried forward by the next ones (see payments/store/migrations.py).

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(64), nullable=False, unique=True),
        sa.Column("lookup_key", sa.String(64), nullable=False),
        sa.Column("customer_name", sa.String(120), nullable=False),
        sa.Column("customer_phone", sa.String(16), nullable=False),
        sa.Column("tour_name", sa.String(160), nullable=False),
        # Money as whole cents (payments.store.models.Cents).
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("amount_paid", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("total > 0", name="ck_booking_total_positive"),
        sa.CheckConstraint("amount_paid >= 0", name="ck_booking_paid_not_negative"),
        sa.CheckConstraint("currency IN ('USD', 'ZWG')", name="ck_booking_currency"),
    )
    op.create_index("ix_bookings_lookup_key", "bookings", ["lookup_key"], unique=True)
    op.create_table(
        "payment_transactions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(36), nullable=False, unique=True),
        sa.Column("booking_id", sa.Integer(), sa.ForeignKey("bookings.id"), nullable=False),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("msisdn", sa.String(12), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("customer_channel", sa.String(16), nullable=False),
        sa.Column("otp_reference", sa.String(16)),
        sa.Column("otp_attempts", sa.Integer(), nullable=False),
        sa.Column("payment_reference", sa.String(64), unique=True),
        sa.Column("debit_reference", sa.String(64)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("response_code", sa.String(8)),
        sa.Column("response_message", sa.String(255)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("credited_at", sa.DateTime()),
        sa.CheckConstraint("amount > 0", name="ck_transaction_amount_positive"),
    )
    op.create_index("ix_payment_transactions_booking_id", "payment_transactions", ["booking_id"])
    op.create_index("ix_payment_transactions_sender_id", "payment_transactions", ["sender_id"])
    op.create_index("ix_payment_transactions_status", "payment_transactions", ["status"])


def downgrade() -> None:
    op.drop_table("payment_transactions")
    op.drop_table("bookings")
