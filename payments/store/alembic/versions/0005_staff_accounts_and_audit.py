"""The back office's staff accounts, its append-only audit log, and refunded overpayments (issue 23).

- ``staff_accounts``: one row per person who logs in to the back office, with
  their role and an argon2 hash of their password (never the password).
- ``audit_entries``: who did what, when, on which payment or example, and
  why. Append-only: a trigger refuses UPDATE and DELETE on every backend, so
  not even a bug in the application can rewrite the record.
- ``bookings.refunded_amount``: an overpaid excess a person refunded; the
  booking's ``amount_paid`` goes down by it, so
  ``amount_paid == opening_amount_paid + successful payments - refunded_amount``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_CHECK = "ck_booking_refunded_not_negative"
_REFUSE = "audit entries are append-only"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "ALTER TABLE bookings ADD COLUMN refunded_amount BIGINT NOT NULL DEFAULT 0"
            f" CONSTRAINT {_CHECK} CHECK (refunded_amount >= 0)"
        )
    else:
        op.add_column("bookings", sa.Column("refunded_amount", sa.BigInteger(), nullable=False, server_default="0"))
        op.create_check_constraint(_CHECK, "bookings", "refunded_amount >= 0")
    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("disabled_at", sa.DateTime()),
    )
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False, index=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False, server_default=""),
        sa.Column("note", sa.String(500), nullable=False, server_default=""),
    )
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_entries_no_{verb.lower()} BEFORE {verb} ON audit_entries"
                f" BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_entries_refuse() RETURNS trigger LANGUAGE plpgsql AS"
            f" $$ BEGIN RAISE EXCEPTION '{_REFUSE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries"
            " FOR EACH ROW EXECUTE FUNCTION audit_entries_refuse()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER audit_entries_append_only ON audit_entries")
        op.execute("DROP FUNCTION audit_entries_refuse()")
    op.drop_table("audit_entries")
    op.drop_table("staff_accounts")
    if dialect == "sqlite":
        op.execute("ALTER TABLE bookings DROP COLUMN refunded_amount")
    else:
        op.drop_column("bookings", "refunded_amount")
