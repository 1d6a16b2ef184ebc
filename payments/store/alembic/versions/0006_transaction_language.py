"""payment_transactions.language: the conversation's language when the payment started (issue 22).

``en``, ``sn`` or ``nd`` (parsing/language.py). Nullable: payments made before
this revision have no recorded language, and ops listings show it empty.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable column without a default: no table copy on SQLite, no rewrite on PostgreSQL.
    op.add_column("payment_transactions", sa.Column("language", sa.String(8), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE payment_transactions DROP COLUMN language")
    else:
        op.drop_column("payment_transactions", "language")
