"""Bring a database created by an older version up to the current tables.

``create_all`` creates missing tables but never adds a column to an existing
one, so a booking database from before a column existed would break every
query. Until the project adopts a migration tool, each added column is added
here with plain, portable SQL (SQLite and PostgreSQL alike).
"""
from __future__ import annotations

import logging

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)


def upgrade_schema(engine: Engine) -> None:
    columns = {column["name"] for column in inspect(engine).get_columns("bookings")}
    if "opening_amount_paid" in columns:
        return
    with engine.begin() as connection:
        connection.execute(
            text("ALTER TABLE bookings ADD COLUMN opening_amount_paid BIGINT NOT NULL DEFAULT 0")
        )
        # What was paid before this column existed and is not explained by a
        # successful payment was paid outside the assistant: its opening amount.
        connection.execute(
            text(
                "UPDATE bookings SET opening_amount_paid = amount_paid - COALESCE(("
                " SELECT SUM(t.amount) FROM payment_transactions t"
                " WHERE t.booking_id = bookings.id AND t.status = 'success'), 0)"
            )
        )
    logger.warning("added bookings.opening_amount_paid to an older database")
