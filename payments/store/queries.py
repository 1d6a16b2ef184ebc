"""The store's most frequent statements, built once with bound parameters.

SQLAlchemy spends more Python time building a ``select(...).where(...)`` and
working out its cache key than SQLite spends running it: about a third of a
one-row lookup. The action server runs these lookups several times per
customer turn, so they are built here once, at import, and each call only
binds its values (``session.execute(BOOKING_BY_KEY, {"key": ...})``). The SQL
sent to the database is the same as before.
"""
from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from payments.store.models import Booking, PaymentTransaction

# A transaction's snapshot carries its booking's reference: load the booking in
# the same query rather than with a second, lazy SELECT per transaction.
WITH_BOOKING = joinedload(PaymentTransaction.booking, innerjoin=True)

BOOKING_BY_KEY = select(Booking).where(Booking.lookup_key == bindparam("key"))
BOOKING_BY_REFERENCE = select(Booking).where(Booking.reference == bindparam("reference"))
# A new payment locks its booking (PostgreSQL) while it checks what is left to reserve.
BOOKING_BY_REFERENCE_FOR_UPDATE = BOOKING_BY_REFERENCE.with_for_update()
# Locked for the rest of the transaction where the database has row locks (PostgreSQL).
BOOKING_BY_ID_FOR_UPDATE = select(Booking).where(Booking.id == bindparam("id")).with_for_update()

TRANSACTION_BY_REFERENCE = (
    select(PaymentTransaction).options(WITH_BOOKING).where(PaymentTransaction.reference == bindparam("reference"))
)
# Inside credit_booking's transaction: the booking is loaded (and locked) on its own.
TRANSACTION_ROW_BY_REFERENCE = select(PaymentTransaction).where(
    PaymentTransaction.reference == bindparam("reference")
)
LATEST_TRANSACTION_OF_SENDER = (
    select(PaymentTransaction)
    .options(WITH_BOOKING)
    .where(PaymentTransaction.sender_id == bindparam("sender_id"))
    .order_by(PaymentTransaction.id.desc())
    .limit(1)
)
