"""Overpaid bookings, and what the abuse limits count in the database.

- ``bookings.overpaid_amount``: a debit O'mari confirms after the booking was
  already paid is credited (the money moved) and the excess recorded here.
  Existing bookings get their excess, if any, so `ops overpaid` lists them.
- ``booking_lookup_misses``: unknown booking references per chat, to stop
  enumeration when the limits are counted in the database.
- indexes on ``payment_transactions.msisdn`` and ``created_at``: OTP requests
  are counted per wallet number and for the whole merchant per minute.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_CHECK = "ck_booking_overpaid_not_negative"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite takes a CHECK with ADD COLUMN, which spares copying the table.
        op.execute(
            "ALTER TABLE bookings ADD COLUMN overpaid_amount BIGINT NOT NULL DEFAULT 0"
            f" CONSTRAINT {_CHECK} CHECK (overpaid_amount >= 0)"
        )
    else:
        op.add_column("bookings", sa.Column("overpaid_amount", sa.BigInteger(), nullable=False, server_default="0"))
        op.create_check_constraint(_CHECK, "bookings", "overpaid_amount >= 0")
    op.execute("UPDATE bookings SET overpaid_amount = amount_paid - total WHERE amount_paid > total")
    op.create_table(
        "booking_lookup_misses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "ix_booking_lookup_misses_sender_created", "booking_lookup_misses", ["sender_id", "created_at"]
    )
    op.create_index("ix_payment_transactions_msisdn", "payment_transactions", ["msisdn"])
    op.create_index("ix_payment_transactions_created_at", "payment_transactions", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_payment_transactions_created_at", "payment_transactions")
    op.drop_index("ix_payment_transactions_msisdn", "payment_transactions")
    op.drop_table("booking_lookup_misses")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE bookings DROP COLUMN overpaid_amount")
    else:
        op.drop_column("bookings", "overpaid_amount")
