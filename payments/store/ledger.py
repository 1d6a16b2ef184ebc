"""Read-only questions about payments for the back office: search, queues and the day's figures.

Everything here only SELECTs; money moves through PaymentService alone
(tests/unit/test_layering.py checks that the back office calls no store
write). Results are the store's frozen snapshots.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional, Tuple

from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager

from payments.notifications.outbox import NotificationSnapshot
from payments.snapshots import BookingSnapshot, TransactionSnapshot
from payments.store.models import Booking, NotificationState, PaymentNotification, PaymentTransaction
from payments.store.models import TransactionStatus
from payments.store.repository import BookingStore

SEARCH_LIMIT = 100
# The national part of a Zimbabwe mobile: what a number typed any way ends with.
PHONE_TAIL = 9
UNTOLD_STATES = (NotificationState.DUE.value, NotificationState.SENDING.value,
                 NotificationState.NEEDS_TEMPLATE.value, NotificationState.FAILED.value)


@dataclass(frozen=True)
class SearchResult:
    bookings: List[BookingSnapshot]
    transactions: List[TransactionSnapshot]


@dataclass(frozen=True)
class DayRow:
    """One payment started in the period, for the charts."""

    created_at: datetime
    updated_at: datetime
    status: str
    channel: str


class PaymentLedger:
    """Read-only views over the booking store for people."""

    def __init__(self, store: BookingStore) -> None:
        self._store = store

    def search(self, term: str, booking_key: Optional[str], phone_digits: Optional[str]) -> SearchResult:
        """By booking (its lookup key), phone number (its last 9 digits) or any O'mari reference."""
        term = term.strip()[:64]
        if not term:
            return SearchResult([], [])
        booking_terms = []
        transaction_terms = [
            PaymentTransaction.reference == term,
            PaymentTransaction.payment_reference == term,
            PaymentTransaction.debit_reference == term,
            PaymentTransaction.otp_reference == term.upper(),
        ]
        if booking_key:
            booking_terms.append(Booking.lookup_key == booking_key)
            transaction_terms.append(Booking.lookup_key == booking_key)
        if phone_digits and len(phone_digits) >= PHONE_TAIL:
            tail = phone_digits[-PHONE_TAIL:]
            booking_terms.append(Booking.customer_phone.endswith(tail))
            transaction_terms.append(PaymentTransaction.msisdn.endswith(tail))
        with self._store.session() as session:
            bookings = [] if not booking_terms else [
                BookingSnapshot.of(b) for b in session.execute(
                    select(Booking).where(or_(*booking_terms)).order_by(Booking.reference).limit(SEARCH_LIMIT)
                ).scalars()
            ]
            transactions = [TransactionSnapshot.of(t) for t in session.execute(
                self._transactions().where(or_(*transaction_terms))
                .order_by(PaymentTransaction.id.desc()).limit(SEARCH_LIMIT)
            ).scalars()]
        return SearchResult(bookings, transactions)

    def payment(self, reference: str) -> Optional[Tuple[TransactionSnapshot, BookingSnapshot]]:
        return self._store.transaction_with_booking(reference)

    def booking(self, reference: str) -> Optional[BookingSnapshot]:
        return self._store.find_booking_by_reference(reference)

    def payments_of_booking(self, reference: str) -> List[TransactionSnapshot]:
        return self._store.list_transactions(booking_reference=reference)

    def notification(self, transaction_reference: str) -> Optional[NotificationSnapshot]:
        with self._store.session() as session:
            row = session.execute(select(PaymentNotification).where(
                PaymentNotification.transaction_reference == transaction_reference)).scalar_one_or_none()
            return NotificationSnapshot.of(row) if row else None

    def pending_since(self, before: datetime) -> List[TransactionSnapshot]:
        """Payments sent to O'mari whose outcome is still unknown, started before ``before``."""
        return self._where(PaymentTransaction.status == TransactionStatus.PENDING.value,
                           PaymentTransaction.created_at < before)

    def held(self) -> List[TransactionSnapshot]:
        return self._where(PaymentTransaction.status == TransactionStatus.HELD.value)

    def overpaid(self) -> List[BookingSnapshot]:
        return self._store.overpaid_bookings()

    def untold(self) -> List[Tuple[NotificationSnapshot, Optional[TransactionSnapshot]]]:
        """Settled payments whose outcome the customer has not been told (yet)."""
        with self._store.session() as session:
            rows = [NotificationSnapshot.of(n) for n in session.execute(
                select(PaymentNotification).where(PaymentNotification.state.in_(UNTOLD_STATES))
                .order_by(PaymentNotification.id)
            ).scalars()]
        return [(n, self._store.get_transaction(n.transaction_reference)) for n in rows]

    def started_since(self, since: datetime) -> List[DayRow]:
        with self._store.session() as session:
            rows = session.execute(
                select(PaymentTransaction.created_at, PaymentTransaction.updated_at, PaymentTransaction.status,
                       PaymentTransaction.customer_channel)
                .where(PaymentTransaction.created_at >= since).order_by(PaymentTransaction.id)
            ).all()
        return [DayRow(*row) for row in rows]

    def open_payments(self) -> List[TransactionSnapshot]:
        """Every payment whose money may still move: its age is the pending-age chart."""
        return self._where(PaymentTransaction.status.in_([
            TransactionStatus.INITIATED.value, TransactionStatus.OTP_SENT.value, TransactionStatus.PENDING.value]))

    def _where(self, *conditions) -> List[TransactionSnapshot]:
        with self._store.session() as session:
            return [TransactionSnapshot.of(t) for t in session.execute(
                self._transactions().where(*conditions).order_by(PaymentTransaction.id)
            ).scalars()]

    @staticmethod
    def _transactions():
        return (select(PaymentTransaction).join(PaymentTransaction.booking)
                .options(contains_eager(PaymentTransaction.booking)))
