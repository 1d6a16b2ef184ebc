"""What on-call watches in the booking database: money waiting on someone, read in three small queries.

Read only, and only when Prometheus scrapes the exporter (payments/exporter.py),
never on a customer's turn. Payments in ``pending`` (the debit may have
happened; reconcile settles them) and ``held`` (a person must decide), with
how long the oldest has waited in that state (``updated_at`` is set when a
payment enters it); bookings credited above their total (a refund is owed);
and outcomes not yet told to the customer, by outbox state.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Dict, Optional

from sqlalchemy import func, select

from payments.store.models import Booking, NotificationState, PaymentNotification, PaymentTransaction
from payments.store.models import TransactionStatus, utc_now
from payments.store.repository import BookingStore

WATCHED_STATUSES = (TransactionStatus.PENDING, TransactionStatus.HELD)
UNTOLD_STATES = (NotificationState.DUE, NotificationState.SENDING, NotificationState.NEEDS_TEMPLATE,
                 NotificationState.FAILED)


@dataclass(frozen=True)
class WaitingPayments:
    count: int = 0
    oldest_age_seconds: float = 0.0


@dataclass(frozen=True)
class MoneyWatch:
    """One reading of the database, for the gauges."""

    payments: Dict[TransactionStatus, WaitingPayments] = field(default_factory=dict)
    overpaid_bookings: int = 0
    untold: Dict[NotificationState, int] = field(default_factory=dict)


def _age(oldest: Optional[datetime], now: datetime) -> float:
    return max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0


def read_money_watch(store: BookingStore) -> MoneyWatch:
    """The gauges' values now; raises whatever the database raises (the exporter reports the store down)."""
    now = utc_now()
    with store.session() as session:
        waiting = {
            status: (count, oldest)
            for status, count, oldest in session.execute(
                select(PaymentTransaction.status, func.count(), func.min(PaymentTransaction.updated_at))
                .where(PaymentTransaction.status.in_([s.value for s in WATCHED_STATUSES]))
                .group_by(PaymentTransaction.status)
            )
        }
        overpaid = session.execute(
            select(func.count()).select_from(Booking).where(Booking.overpaid_amount > Decimal("0.00"))
        ).scalar_one()
        untold = dict(session.execute(
            select(PaymentNotification.state, func.count())
            .where(PaymentNotification.state.in_([s.value for s in UNTOLD_STATES]))
            .group_by(PaymentNotification.state)
        ).all())
    return MoneyWatch(
        payments={
            status: WaitingPayments(int(waiting[status.value][0]), _age(waiting[status.value][1], now))
            if status.value in waiting else WaitingPayments()
            for status in WATCHED_STATUSES
        },
        overpaid_bookings=int(overpaid),
        untold={state: int(untold.get(state.value, 0)) for state in UNTOLD_STATES},
    )
