"""The booking database's tables: bookings and the O'mari transactions against them.

Money is stored as whole cents in integer columns (see :class:`Cents`) so that
every database, SQLite included, keeps it exact; Python only ever sees
``Decimal`` quantized to cents.
"""
from __future__ import annotations

import enum
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator

CENT = Decimal("0.01")

Base: Any = declarative_base()


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Cents(TypeDecorator):
    """A ``Decimal`` amount kept in the database as an integer number of cents.

    SQLite has no exact decimal type (SQLAlchemy's ``Numeric`` goes through a
    float there), so integers are the one representation that is exact on
    every backend this product may run on.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Optional[Decimal], dialect) -> Optional[int]:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"money must be a Decimal, got {type(value).__name__}")
        cents = value * 100
        if cents != cents.to_integral_value():
            raise ValueError(f"{value} has fractions of a cent")
        return int(cents)

    def process_result_value(self, value: Optional[int], dialect) -> Optional[Decimal]:
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(CENT)


class BookingStatus(str, enum.Enum):
    PENDING = "pending"
    DEPOSIT_PAID = "deposit_paid"
    PAID = "paid"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class TransactionStatus(str, enum.Enum):
    INITIATED = "initiated"  # row written, /auth not yet answered
    OTP_SENT = "otp_sent"  # /auth succeeded; waiting for the customer's OTP
    PENDING = "pending"  # /request sent; outcome not yet known for certain
    SUCCESS = "success"  # debited and credited to the booking (exactly once)
    FAILED = "failed"
    CANCELLED = "cancelled"
    # O'mari reports a debit whose amount or currency differs from ours: the
    # money moved, but only a person may decide what to credit. Reconciliation
    # leaves it alone; `python -m payments.ops resolve-held` settles it.
    HELD = "held"


# States whose amount is spoken for: the money may still move (or has moved and
# awaits a person). A new payment may take only the balance these leave.
RESERVING_TRANSACTION_STATUSES = (
    TransactionStatus.INITIATED.value,
    TransactionStatus.OTP_SENT.value,
    TransactionStatus.PENDING.value,
    TransactionStatus.HELD.value,
)

# States a transaction can still leave. Settling is a conditional update from
# one of these, which is what makes crediting happen exactly once.
OPEN_TRANSACTION_STATUSES = (
    TransactionStatus.INITIATED.value,
    TransactionStatus.OTP_SENT.value,
    TransactionStatus.PENDING.value,
)


class Booking(Base):
    __tablename__ = "bookings"

    id = Column(Integer, primary_key=True)
    reference = Column(String(64), nullable=False, unique=True)
    # Upper-case alphanumerics of the reference: what customers' free typing is
    # matched against, so "bk t005 20260210" finds BK-T005-20260210.
    lookup_key = Column(String(64), nullable=False, unique=True, index=True)
    customer_name = Column(String(120), nullable=False)
    customer_phone = Column(String(16), nullable=False)
    tour_name = Column(String(160), nullable=False)
    total = Column(Cents, nullable=False)
    amount_paid = Column(Cents, nullable=False, default=Decimal("0.00"))
    # What was paid before (or outside) this assistant, e.g. a deposit taken by
    # the office. The invariant `python -m payments.ops audit` checks:
    # amount_paid == opening_amount_paid + the sum of successful transactions.
    opening_amount_paid = Column(Cents, nullable=False, default=Decimal("0.00"))
    # How much more than the total has been credited: a debit O'mari confirmed
    # late (after a person's intervention) is credited because the money moved,
    # and the excess is flagged here for a refund (`ops overpaid` lists them).
    overpaid_amount = Column(Cents, nullable=False, default=Decimal("0.00"))
    # An overpaid excess a person refunded (the back office's "mark refunded"):
    # taken off amount_paid, so amount_paid == opening + successful payments - refunded.
    refunded_amount = Column(Cents, nullable=False, default=Decimal("0.00"))
    currency = Column(String(3), nullable=False)
    status = Column(String(16), nullable=False, default=BookingStatus.PENDING.value)
    created_at = Column(DateTime, nullable=False, default=utc_now)
    updated_at = Column(DateTime, nullable=False, default=utc_now, onupdate=utc_now)

    transactions = relationship(
        "PaymentTransaction", back_populates="booking", order_by="PaymentTransaction.id"
    )

    __table_args__ = (
        CheckConstraint("total > 0", name="ck_booking_total_positive"),
        CheckConstraint("amount_paid >= 0", name="ck_booking_paid_not_negative"),
        CheckConstraint("opening_amount_paid >= 0", name="ck_booking_opening_not_negative"),
        CheckConstraint("overpaid_amount >= 0", name="ck_booking_overpaid_not_negative"),
        CheckConstraint("refunded_amount >= 0", name="ck_booking_refunded_not_negative"),
        CheckConstraint("currency IN ('USD', 'ZWG')", name="ck_booking_currency"),
    )

    @property
    def balance_due(self) -> Decimal:
        return max(self.total - self.amount_paid, Decimal("0.00")).quantize(CENT)

    @property
    def deposit_due(self) -> Decimal:
        """What is still missing of the 50% deposit (zero once it is covered).

        A booking the office already marked ``deposit_paid`` has its deposit
        covered whatever the sum: deposits agreed by hand were not always 50%.
        """
        if self.status != BookingStatus.PENDING.value:
            return Decimal("0.00")
        deposit = (self.total / 2).quantize(CENT)
        return max(deposit - self.amount_paid, Decimal("0.00")).quantize(CENT)

    @property
    def accepts_payment(self) -> bool:
        return self.status not in (BookingStatus.CANCELLED.value, BookingStatus.REFUNDED.value) and (
            self.balance_due > 0
        )


class PaymentTransaction(Base):
    __tablename__ = "payment_transactions"

    id = Column(Integer, primary_key=True)
    # The UUID sent to O'mari as `reference`; one per payment attempt.
    reference = Column(String(36), nullable=False, unique=True)
    booking_id = Column(Integer, ForeignKey("bookings.id"), nullable=False, index=True)
    # Who asked for it in the chat; scopes "my latest payment" and abuse limits.
    sender_id = Column(String(128), nullable=False, index=True)
    # Indexed: OTP requests are limited per wallet number across all chats.
    msisdn = Column(String(12), nullable=False, index=True)
    amount = Column(Cents, nullable=False)
    currency = Column(String(3), nullable=False)
    customer_channel = Column(String(16), nullable=False)
    # The conversation's language when the payment started (parsing/language.py's
    # codes: en, sn, nd), so a notice told later is in it and ops see it.
    # Null on payments from before revision 0006 and on payments started
    # outside a conversation.
    language = Column(String(8))
    otp_reference = Column(String(16))
    otp_attempts = Column(Integer, nullable=False, default=0)
    # Unique so one O'mari payment can never be credited to two transactions.
    payment_reference = Column(String(64), unique=True)
    debit_reference = Column(String(64))
    status = Column(String(16), nullable=False, default=TransactionStatus.INITIATED.value, index=True)
    response_code = Column(String(8))
    response_message = Column(String(255))
    # Indexed: the merchant-wide OTP request limit counts every recent row.
    created_at = Column(DateTime, nullable=False, default=utc_now, index=True)
    updated_at = Column(DateTime, nullable=False, default=utc_now, onupdate=utc_now)
    credited_at = Column(DateTime)

    booking = relationship("Booking", back_populates="transactions")

    __table_args__ = (CheckConstraint("amount > 0", name="ck_transaction_amount_positive"),)


class BookingLookupMiss(Base):
    """One unknown booking reference a chat sent: counted to stop enumeration.

    Only when the limits are counted in the database (no RATE_LIMIT_REDIS_URL);
    the reference itself is not kept, only who tried and when.
    """

    __tablename__ = "booking_lookup_misses"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(128), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utc_now)

    __table_args__ = (Index("ix_booking_lookup_misses_sender_created", "sender_id", "created_at"),)


class NotificationState(str, enum.Enum):
    """Where telling a customer a settled payment's outcome stands (payments/notifications/notifier.py)."""

    DUE = "due"  # reconcile settled a payment the customer was told was unconfirmed
    SENDING = "sending"  # one notifier claimed it and asked Rasa to tell the customer
    TOLD = "told"  # the assistant said it (or keeps it for a channel that cannot push)
    NEEDS_TEMPLATE = "needs_template"  # WhatsApp's 24 hours are over and no template is configured
    FAILED = "failed"  # gave up; never retried automatically, so never a second message


class PaymentNotification(Base):
    """The outbox of settled-payment outcomes still to tell, one row per payment.

    The unique ``transaction_reference`` makes racing reconcilers write one
    row; a conditional update of ``state`` lets exactly one of them tell it.
    """

    __tablename__ = "payment_notifications"

    id = Column(Integer, primary_key=True)
    transaction_reference = Column(String(36), nullable=False, unique=True)
    # The scoped chat sender id (``whatsapp:…``, ``rest:…``): the conversation to tell.
    sender_id = Column(String(128), nullable=False)
    state = Column(String(16), nullable=False, default=NotificationState.DUE.value, index=True)
    # How it was told: ``message``, ``template`` or ``kept`` (for the next answer).
    told_by = Column(String(16))
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(String(255))
    created_at = Column(DateTime, nullable=False, default=utc_now)
    updated_at = Column(DateTime, nullable=False, default=utc_now, onupdate=utc_now)


class StaffAccount(Base):
    """A person who logs in to the back office (backoffice/), with one role."""

    __tablename__ = "staff_accounts"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    role = Column(String(16), nullable=False)
    # argon2id, with its parameters and salt in the string (argon2-cffi's format).
    password_hash = Column(String(255), nullable=False)
    disabled = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime, nullable=False, default=utc_now)
    disabled_at = Column(DateTime)


class AuditEntry(Base):
    """One thing a person did in the back office; the table refuses UPDATE and DELETE (revision 0005)."""

    __tablename__ = "audit_entries"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=utc_now, index=True)
    actor = Column(String(64), nullable=False)
    action = Column(String(40), nullable=False)
    # The payment (transaction reference), booking or NLU example acted on.
    subject = Column(String(200), nullable=False, default="")
    note = Column(String(500), nullable=False, default="")


def booking_status_after_payment(status: str, total: Decimal, amount_paid: Decimal) -> str:
    """The status a booking earns from what has been paid on it; never a step back."""
    if status in (BookingStatus.CANCELLED.value, BookingStatus.REFUNDED.value):
        # Money that really moved is recorded, but it never reopens a booking
        # the office has cancelled or refunded.
        return status
    if amount_paid >= total:
        return BookingStatus.PAID.value
    if status == BookingStatus.DEPOSIT_PAID.value or amount_paid >= (total / 2).quantize(CENT):
        return BookingStatus.DEPOSIT_PAID.value
    return BookingStatus.PENDING.value
