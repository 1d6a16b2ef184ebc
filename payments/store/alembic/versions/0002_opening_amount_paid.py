"""bookings.opening_amount_paid: what was paid before or outside the assistant.

``python -m payments.ops audit`` checks amount_paid == opening_amount_paid + the
successful payments. For bookings that existed before this column, whatever
was paid and is not explained by a successful payment was paid outside the
assistant, so that difference becomes the opening amount. A booking whose
payments add up to more than it shows paid (which should never happen) gets 0
and is then listed by the audit instead of breaking the migration.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_CHECK = "ck_booking_opening_not_negative"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite takes a CHECK with ADD COLUMN, which spares copying the table.
        op.execute(
            "ALTER TABLE bookings ADD COLUMN opening_amount_paid BIGINT NOT NULL DEFAULT 0"
            f" CONSTRAINT {_CHECK} CHECK (opening_amount_paid >= 0)"
        )
    else:
        op.add_column(
            "bookings", sa.Column("opening_amount_paid", sa.BigInteger(), nullable=False, server_default="0")
        )
        op.create_check_constraint(_CHECK, "bookings", "opening_amount_paid >= 0")
    op.execute(
        "UPDATE bookings SET opening_amount_paid = CASE WHEN paid_outside >= 0 THEN paid_outside ELSE 0 END"
        " FROM (SELECT b.id AS booking_id, b.amount_paid - COALESCE(SUM(t.amount), 0) AS paid_outside"
        " FROM bookings b LEFT JOIN payment_transactions t ON t.booking_id = b.id AND t.status = 'success'"
        " GROUP BY b.id, b.amount_paid) AS explained WHERE explained.booking_id = bookings.id"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE bookings DROP COLUMN opening_amount_paid")
    else:
        op.drop_column("bookings", "opening_amount_paid")  # drops its CHECK with it
