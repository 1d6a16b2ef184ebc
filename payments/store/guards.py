"""Checks the store makes inside a write, before it commits: the balance and the columns.

Kept apart from payments/store/repository.py so the repository stays a list of short
operations. Each function runs in the caller's session, after the caller's
first write, so on SQLite the write lock is held and on PostgreSQL the
booking's row lock is; what they read is then the latest committed state, and
two chats cannot both pass the same check.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, List, Mapping, Optional, Union

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from common.sender_ids import wallet_owner_chat

from payments.amount_rules import BalanceReserved, available_to_pay
from payments.store.models import (
    RESERVING_TRANSACTION_STATUSES, Booking, PaymentTransaction, TransactionStatus, utc_now,
)


# Before /request: no money can have moved, and the OTP's lifetime decides whether it still can.
_BEFORE_REQUEST = (TransactionStatus.INITIATED.value, TransactionStatus.OTP_SENT.value)


class ValueTooLongForColumn(ValueError):
    """A value (from O'mari) does not fit its column; nothing was written.

    SQLite would store it anyway and PostgreSQL would fail the whole write
    with a raw error: both are worse than refusing it by name here.
    """

    def __init__(self, column: str, length: int, limit: int) -> None:
        super().__init__(f"{column} is {length} characters, its column holds {limit}")
        self.column = column


# Free text that may be cut to fit; every other string is an identifier, where
# a cut value would be a different value.
_TRUNCATABLE = frozenset({"response_message"})


def fitted_to_columns(fields: Mapping[str, object]) -> dict:
    """``fields`` for a payment_transactions write, each string checked against its column."""
    columns = PaymentTransaction.__table__.columns
    fitted = dict(fields)
    for name, value in fields.items():
        limit = getattr(columns[name].type, "length", None) if name in columns else None
        if not isinstance(value, str) or limit is None or len(value) <= limit:
            continue
        if name not in _TRUNCATABLE:
            raise ValueTooLongForColumn(name, len(value), limit)
        fitted[name] = value[:limit]
    return fitted


def replace_awaiting_otp(session: Session, sender_id: str, keep: str) -> List[str]:
    """Cancel the sender's payments still waiting for an OTP: the new one replaces them.

    In the new payment's own write, so their amounts stop being reserved exactly
    when the new one starts to be, and a refused new payment leaves them as they were.
    Returns their references, to be voided at O'mari after the commit.
    """
    waiting = [
        reference
        for (reference,) in session.execute(
            select(PaymentTransaction.reference).where(
                PaymentTransaction.sender_id == sender_id,
                PaymentTransaction.status == TransactionStatus.OTP_SENT.value,
                PaymentTransaction.reference != keep,
            )
        )
    ]
    if waiting:
        session.execute(
            update(PaymentTransaction)
            .where(
                PaymentTransaction.reference.in_(waiting),
                PaymentTransaction.status == TransactionStatus.OTP_SENT.value,
            )
            .values(status=TransactionStatus.CANCELLED.value, updated_at=utc_now())
            .execution_options(synchronize_session=False)
        )
    return waiting


def reserve_balance(
    session: Session, booking_id: int, new_reference: str, amount: Decimal, expired_before: Optional[datetime] = None
) -> None:
    """Raise BalanceReserved unless ``amount`` fits in the balance the other open payments leave.

    A payment still before ``/request`` whose OTP was requested before
    ``expired_before`` holds nothing: its OTP has expired, so it can never be
    sent (``claim_for_request`` refuses it), and waiting for reconcile to close
    it would let a stranger keep a booking "in progress" for its owner.
    """
    total, amount_paid = session.execute(
        select(Booking.total, Booking.amount_paid).where(Booking.id == booking_id)
    ).one()
    conditions = [
        PaymentTransaction.booking_id == booking_id,
        PaymentTransaction.status.in_(RESERVING_TRANSACTION_STATUSES),
        PaymentTransaction.reference != new_reference,
    ]
    if expired_before is not None:
        conditions.append(or_(
            PaymentTransaction.status.notin_(_BEFORE_REQUEST), PaymentTransaction.created_at >= expired_before
        ))
    in_progress = session.execute(
        select(func.coalesce(func.sum(PaymentTransaction.amount), 0)).where(*conditions)
    ).scalar_one()
    in_progress = _cents(in_progress)
    available = available_to_pay(total, amount_paid, in_progress)
    if amount > available:
        raise BalanceReserved(in_progress, available)


def guesses_counted_for(rows: Any, msisdn: str, sender_id: str) -> Any:
    """Which of a wallet's payments' wrong OTPs count against ``sender_id``'s next OTP.

    Per identity first: the wallet owner's own chat (common/sender_ids.wallet_owner_chat)
    counts only its own guesses, so strangers' wrong OTPs cannot lock the owner out
    of their wallet; every other chat counts every guess but the owner's, so strangers
    together still get no more than the daily cap.
    """
    owner = wallet_owner_chat(msisdn)
    return rows.sender_id == owner if sender_id == owner else rows.sender_id != owner


def _cents(value: Union[Decimal, int]) -> Decimal:
    """SUM comes back as the Cents type (Decimal) on most drivers, as plain cents from COALESCE's 0."""
    if isinstance(value, Decimal):
        return value
    return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))
