"""A small repository API over the booking database.

Each method opens its own short session and returns frozen snapshots, never
live ORM objects: the action server serves many conversations at once, and a
snapshot cannot be lazily reloaded half-way through someone else's write.

Crediting happens in one database transaction that first moves the payment
from an open state to ``success`` with a conditional UPDATE. Only the caller
whose UPDATE matched a row goes on to add the amount to the booking, so a
redelivered message, a double tap or a racing reconciliation credits once.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Iterator, List, Optional, Sequence, Tuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased, contains_eager, sessionmaker

from payments.store import queries
from payments.limits.policy import LimitScope, RequestLimit
from payments.store.database import make_engine
from payments.store.models import CENT, OPEN_TRANSACTION_STATUSES, Booking, BookingLookupMiss, PaymentNotification
from payments.store.models import PaymentTransaction
from payments.store.models import TransactionStatus, booking_status_after_payment, utc_now
from payments.limits.otp_requests import MERCHANT_KEY, DatabaseRequestLimiter, OtpRequestLimiter
from payments.snapshots import BookingSnapshot, TransactionSnapshot
from payments.store.guards import fitted_to_columns, guesses_counted_for, replace_awaiting_otp, reserve_balance
from common.sender_ids import wallet_owner_chat
from parsing.language import Language

__all__ = ["BookingStore", "booking_status_after_payment"]

logger = logging.getLogger(__name__)


class BookingStore:
    """Bookings and payment transactions, one short session per call."""

    def __init__(
        self, database_url: str, pool_size: int = 16, request_limiter: Optional[OtpRequestLimiter] = None
    ) -> None:
        """No connection is opened and no table created here: `ops migrate` owns the schema."""
        self._engine = make_engine(database_url, pool_size)
        self._sessions = sessionmaker(bind=self._engine, expire_on_commit=False, future=True)
        # Where OTP requests are counted (payments/limits/otp_requests.py): the database unless Redis is configured.
        self._request_limiter = request_limiter or DatabaseRequestLimiter()

    def dispose(self) -> None:
        self._engine.dispose()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
        finally:
            session.close()

    # -- bookings -----------------------------------------------------------

    def session(self):
        """One short database transaction, for the notification outbox (payments/notifications/outbox.py)."""
        return self._session()

    def find_booking(self, lookup_key: str) -> Optional[BookingSnapshot]:
        with self._session() as session:
            booking = session.execute(queries.BOOKING_BY_KEY, {"key": lookup_key}).scalar_one_or_none()
            return BookingSnapshot.of(booking) if booking else None

    def find_booking_by_reference(self, reference: str) -> Optional[BookingSnapshot]:
        with self._session() as session:
            booking = session.execute(queries.BOOKING_BY_REFERENCE, {"reference": reference}).scalar_one_or_none()
            return BookingSnapshot.of(booking) if booking else None

    def add_booking(self, booking: Booking) -> bool:
        """Insert ``booking`` unless one with its lookup key exists; True if inserted."""
        with self._session() as session:
            exists = session.execute(
                select(Booking.id).where(Booking.lookup_key == booking.lookup_key)
            ).first()
            if exists:
                return False
            session.add(booking)
            return True

    def delete_everything(self) -> None:
        """Empty every table (tests and `ops seed --reset` only)."""
        with self._session() as session:
            session.query(PaymentTransaction).delete()
            session.query(Booking).delete()
            session.query(BookingLookupMiss).delete()
            session.query(PaymentNotification).delete()

    # -- transactions -------------------------------------------------------

    def create_transaction(
        self,
        *,
        reference: str,
        booking_reference: str,
        sender_id: str,
        msisdn: str,
        amount: Decimal,
        currency: str,
        customer_channel: str,
        limits: Sequence[RequestLimit] = (),
        otp_lifetime: Optional[timedelta] = None,
        language: Optional[Language] = None,
    ) -> Tuple[TransactionSnapshot, List[str]]:
        """Write a new transaction, unless the balance or one of the ``limits`` refuses it.

        Returns the new transaction and the references of the sender's payments
        it replaced (they were waiting for an OTP; void them at O'mari). Under
        the booking's lock (PostgreSQL's row lock; on SQLite the insert takes
        the one write lock) the amount must fit in what the booking's other open
        payments leave (BalanceReserved otherwise; a payment still before
        ``/request`` whose ``otp_lifetime`` is over no longer holds any), then the
        request limiter decides. A refusal rolls everything back, leaving the
        database as it was.
        """
        with self._session() as session:
            booking = session.execute(
                queries.BOOKING_BY_REFERENCE_FOR_UPDATE, {"reference": booking_reference}
            ).scalar_one()
            transaction = PaymentTransaction(
                reference=reference,
                booking=booking,
                sender_id=sender_id,
                msisdn=msisdn,
                amount=amount,
                currency=currency,
                customer_channel=customer_channel,
                language=language.value if language is not None else None,
                status=TransactionStatus.INITIATED.value,
            )
            session.add(transaction)
            session.flush()
            replaced = replace_awaiting_otp(session, sender_id, keep=reference)
            reserve_balance(session, booking.id, reference, amount,
                            expired_before=utc_now() - otp_lifetime if otp_lifetime is not None else None)
            keys = {
                LimitScope.SENDER: sender_id,
                LimitScope.BOOKING: booking.reference,
                LimitScope.MERCHANT: MERCHANT_KEY,
            }
            if sender_id != wallet_owner_chat(msisdn):
                # The wallet's owner, on their own WhatsApp number, is bounded by their chat's limits only.
                keys[LimitScope.WALLET] = msisdn
            self._request_limiter.admit(session, keys, limits)
            return TransactionSnapshot.of(transaction), replaced

    def wrong_otps_on_wallet(self, msisdn: str, since: datetime, sender_id: str) -> Tuple[int, Optional[datetime]]:
        """Wrong OTPs typed for ``msisdn`` on payments requested since ``since`` that count against
        ``sender_id`` (``guesses_counted_for``), and when the oldest of those payments was requested
        (its guesses leave the count first)."""
        with self._session() as session:
            wrong, oldest = session.execute(
                select(func.coalesce(func.sum(PaymentTransaction.otp_attempts), 0),
                       func.min(PaymentTransaction.created_at)).where(
                    PaymentTransaction.msisdn == msisdn,
                    PaymentTransaction.created_at >= since,
                    PaymentTransaction.otp_attempts > 0,
                    guesses_counted_for(PaymentTransaction, msisdn, sender_id),
                )
            ).one()
            return int(wrong), oldest

    def record_lookup_miss(self, sender_id: str) -> None:
        with self._session() as session:
            session.add(BookingLookupMiss(sender_id=sender_id))

    def lookup_misses(self, sender_id: str, since: datetime) -> Tuple[int, Optional[datetime]]:
        """How many unknown references ``sender_id`` sent since ``since``, and when the first was."""
        with self._session() as session:
            count, oldest = session.execute(
                select(func.count(), func.min(BookingLookupMiss.created_at)).where(
                    BookingLookupMiss.sender_id == sender_id, BookingLookupMiss.created_at >= since
                )
            ).one()
            return int(count), oldest

    def overpaid_bookings(self) -> List[BookingSnapshot]:
        with self._session() as session:
            found = session.execute(
                select(Booking).where(Booking.overpaid_amount > Decimal("0.00")).order_by(Booking.reference)
            ).scalars()
            return [BookingSnapshot.of(booking) for booking in found]

    def latest_transaction(self, sender_id: str) -> Optional[Tuple[TransactionSnapshot, BookingSnapshot]]:
        """The most recent payment this chat sender started, whatever its state, with its booking."""
        with self._session() as session:
            transaction = session.execute(
                queries.LATEST_TRANSACTION_OF_SENDER, {"sender_id": sender_id}
            ).scalar_one_or_none()
            return _with_booking(transaction)

    def payment_totals(self) -> List[Tuple[str, Decimal, Decimal, Decimal, Decimal]]:
        """Per booking: (reference, amount_paid, opening_amount_paid, successful payments less refunds, total)."""
        with self._session() as session:
            credited = (
                select(
                    PaymentTransaction.booking_id.label("booking_id"),
                    func.sum(PaymentTransaction.amount).label("total"),
                )
                .where(PaymentTransaction.status == TransactionStatus.SUCCESS.value)
                .group_by(PaymentTransaction.booking_id)
                .subquery()
            )
            rows = session.execute(
                select(Booking.reference, Booking.amount_paid, Booking.opening_amount_paid, credited.c.total,
                       Booking.total, Booking.refunded_amount)
                .outerjoin(credited, credited.c.booking_id == Booking.id)
                .order_by(Booking.reference)
            ).all()
            # SUM keeps the Cents type, so totals come back as Decimal (None: no payments).
            # A refunded overpayment left the booking: what it keeps is the payments less the refund.
            return [
                (ref, paid, opening, ((credited or Decimal("0")) - (refunded or Decimal("0"))).quantize(CENT), total)
                for ref, paid, opening, credited, total, refunded in rows
            ]

    def refund_overpayment(self, booking_reference: str, excess: Decimal) -> bool:
        """Record that the overpaid ``excess`` went back to the customer, once.

        Conditional on the booking still being overpaid by exactly ``excess``
        (what the person saw), so two people marking it refunded, or a payment
        landing meanwhile, change it at most once and never by a stale amount.
        """
        if excess <= 0:
            return False
        with self._session() as session:
            result = session.execute(
                update(Booking)
                .where(Booking.reference == booking_reference, Booking.overpaid_amount == excess)
                .values(
                    amount_paid=Booking.amount_paid - excess,
                    refunded_amount=Booking.refunded_amount + excess,
                    overpaid_amount=Decimal("0.00"),
                    updated_at=utc_now(),
                )
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1

    def get_transaction(self, reference: str) -> Optional[TransactionSnapshot]:
        found = self.transaction_with_booking(reference)
        return found[0] if found else None

    def transaction_with_booking(self, reference: str) -> Optional[Tuple[TransactionSnapshot, BookingSnapshot]]:
        """A transaction and its booking as they are now, read together in one query."""
        with self._session() as session:
            transaction = session.execute(
                queries.TRANSACTION_BY_REFERENCE, {"reference": reference}
            ).scalar_one_or_none()
            return _with_booking(transaction)

    def list_transactions(
        self,
        *,
        statuses: Sequence[str] = (),
        booking_reference: Optional[str] = None,
        sender_id: Optional[str] = None,
    ) -> List[TransactionSnapshot]:
        with self._session() as session:
            # The join the booking filter needs also fills each transaction's booking.
            query = (
                select(PaymentTransaction)
                .join(PaymentTransaction.booking)
                .options(contains_eager(PaymentTransaction.booking))
                .order_by(PaymentTransaction.id)
            )
            if statuses:
                query = query.where(PaymentTransaction.status.in_(list(statuses)))
            if booking_reference:
                query = query.where(Booking.reference == booking_reference)
            if sender_id:
                query = query.where(PaymentTransaction.sender_id == sender_id)
            return [TransactionSnapshot.of(t) for t in session.execute(query).scalars()]

    def move_transaction(
        self,
        reference: str,
        *,
        from_statuses: Sequence[str],
        to_status: str,
        **fields: object,
    ) -> bool:
        """Change a transaction's status only if it is still in ``from_statuses``.

        Returns whether this call made the change. A False means another
        request (or reconciliation) moved it first, and the caller must not act
        as if it owned the transition.
        """
        with self._session() as session:
            result = session.execute(
                update(PaymentTransaction)
                .where(
                    PaymentTransaction.reference == reference,
                    PaymentTransaction.status.in_(list(from_statuses)),
                )
                .values(status=to_status, updated_at=utc_now(), **fitted_to_columns(fields))
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1

    def claim_for_request(
        self,
        transaction: TransactionSnapshot,
        wrong_otp_cap: Optional[int],
        since: datetime,
        requested_after: Optional[datetime] = None,
    ) -> bool:
        """Move an ``otp_sent`` payment to ``pending`` to send its OTP, once.

        With ``wrong_otp_cap``, only while its wallet had fewer wrong OTPs than
        that on payments since ``since``, as they count for this payment's chat
        (``guesses_counted_for``); with ``requested_after``, only while its OTP
        was requested after that (an expired payment no longer reserves its
        amount, so it must never reach ``/request``). Both are checked inside
        the same UPDATE, so they cost no extra query and cannot race.
        """
        conditions = [
            PaymentTransaction.reference == transaction.reference,
            PaymentTransaction.status == TransactionStatus.OTP_SENT.value,
        ]
        if requested_after is not None:
            conditions.append(PaymentTransaction.created_at > requested_after)
        if wrong_otp_cap is not None:
            wallet = aliased(PaymentTransaction)
            # The wallet's payments since ``since`` whose guesses count against this chat.
            wrong_so_far = select(func.coalesce(func.sum(wallet.otp_attempts), 0)).where(
                wallet.msisdn == transaction.msisdn, wallet.created_at >= since,
                guesses_counted_for(wallet, transaction.msisdn, transaction.sender_id),
            ).scalar_subquery()
            conditions.append(wrong_so_far < wrong_otp_cap)
        with self._session() as session:
            result = session.execute(
                update(PaymentTransaction)
                .where(*conditions)
                .values(status=TransactionStatus.PENDING.value, updated_at=utc_now())
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1

    def count_wrong_otp(self, reference: str) -> int:
        """Record one more wrong OTP and hand the transaction back for a retry."""
        with self._session() as session:
            session.execute(
                update(PaymentTransaction)
                .where(
                    PaymentTransaction.reference == reference,
                    PaymentTransaction.status == TransactionStatus.PENDING.value,
                )
                .values(
                    status=TransactionStatus.OTP_SENT.value,
                    otp_attempts=PaymentTransaction.otp_attempts + 1,
                    updated_at=utc_now(),
                )
                .execution_options(synchronize_session=False)
            )
            attempts = session.execute(
                select(PaymentTransaction.otp_attempts).where(
                    PaymentTransaction.reference == reference
                )
            ).scalar_one()
            return int(attempts)

    def credit_booking(
        self,
        reference: str,
        *,
        payment_reference: Optional[str],
        debit_reference: Optional[str],
        response_code: Optional[str],
        response_message: str,
        from_statuses: Sequence[str] = OPEN_TRANSACTION_STATUSES,
    ) -> bool:
        """Mark the transaction successful and add its amount to its booking, once.

        Returns False, changing nothing, when the transaction was already
        settled by someone else. ``from_statuses`` widens the claim only for
        a person releasing a held payment (`ops resolve-held`).
        """
        with self._session() as session:
            now = utc_now()
            settled_fields = fitted_to_columns(dict(
                payment_reference=payment_reference,
                debit_reference=debit_reference,
                response_code=response_code,
                response_message=response_message,
            ))
            claimed = session.execute(
                update(PaymentTransaction)
                .where(
                    PaymentTransaction.reference == reference,
                    PaymentTransaction.status.in_(list(from_statuses)),
                )
                .values(status=TransactionStatus.SUCCESS.value, credited_at=now, updated_at=now, **settled_fields)
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                return False
            transaction = session.execute(
                queries.TRANSACTION_ROW_BY_REFERENCE, {"reference": reference}
            ).scalar_one()
            # The UPDATE above already holds SQLite's write lock; on PostgreSQL
            # the row lock serialises two payments landing on one booking.
            booking = session.execute(
                queries.BOOKING_BY_ID_FOR_UPDATE, {"id": transaction.booking_id}
            ).scalar_one()
            booking.amount_paid = (booking.amount_paid + transaction.amount).quantize(CENT)
            if booking.amount_paid > booking.total:
                # The money moved, so it is credited; the excess is flagged for a refund.
                booking.overpaid_amount = (booking.amount_paid - booking.total).quantize(CENT)
                logger.error(
                    "OVERPAID booking %s: paid %s of %s %s after transaction %s "
                    "(see `python -m payments.ops overpaid`)",
                    booking.reference, booking.amount_paid, booking.currency, booking.total, reference,
                )
            booking.status = booking_status_after_payment(booking.status, booking.total, booking.amount_paid)
            logger.info(
                "credited %s %s to booking %s (transaction %s)",
                transaction.currency,
                transaction.amount,
                booking.reference,
                reference,
            )
            return True


def _with_booking(transaction: Optional[PaymentTransaction]) -> Optional[Tuple[TransactionSnapshot, BookingSnapshot]]:
    """Snapshots of a transaction loaded with its booking (store_queries.WITH_BOOKING)."""
    return (TransactionSnapshot.of(transaction), BookingSnapshot.of(transaction.booking)) if transaction else None
