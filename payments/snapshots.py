"""Frozen copies of database rows, which is what the store hands out.

A snapshot cannot lazily reload half-way through another request's write, and
it carries no session, so the async actions can hold it across threads.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Optional

from parsing.language import Language
from payments.omari import DeclineReason, reason_of_recorded_code
from payments.store.models import Booking, PaymentTransaction


@dataclass(frozen=True)
class BookingSnapshot:
    reference: str
    customer_name: str
    customer_phone: str
    tour_name: str
    total: Decimal
    amount_paid: Decimal
    balance_due: Decimal
    deposit_due: Decimal
    currency: str
    status: str
    accepts_payment: bool
    overpaid_amount: Decimal = Decimal("0.00")
    refunded_amount: Decimal = Decimal("0.00")

    @classmethod
    def of(cls, booking: Booking) -> "BookingSnapshot":
        return cls(
            reference=booking.reference,
            customer_name=booking.customer_name,
            customer_phone=booking.customer_phone,
            tour_name=booking.tour_name,
            total=booking.total,
            amount_paid=booking.amount_paid,
            balance_due=booking.balance_due,
            deposit_due=booking.deposit_due,
            currency=booking.currency,
            status=booking.status,
            accepts_payment=booking.accepts_payment,
            overpaid_amount=booking.overpaid_amount or Decimal("0.00"),
            refunded_amount=booking.refunded_amount or Decimal("0.00"),
        )


@dataclass(frozen=True)
class TransactionSnapshot:
    reference: str
    booking_reference: str
    sender_id: str
    msisdn: str
    amount: Decimal
    currency: str
    customer_channel: str
    otp_reference: Optional[str]
    otp_attempts: int
    payment_reference: Optional[str]
    debit_reference: Optional[str]
    status: str
    response_code: Optional[str]
    response_message: Optional[str]
    created_at: datetime
    updated_at: datetime
    # The conversation's language when the payment started; None when not recorded
    # (payments from before revision 0006, or started outside a conversation).
    language: Optional[Language] = None

    @property
    def decline_reason(self) -> Optional[DeclineReason]:
        """Why O'mari refused this payment, from the code its row keeps; None if none was recorded."""
        return reason_of_recorded_code(self.response_code)

    @classmethod
    def of(cls, transaction: PaymentTransaction) -> "TransactionSnapshot":
        return cls(
            reference=transaction.reference,
            booking_reference=transaction.booking.reference,
            sender_id=transaction.sender_id,
            msisdn=transaction.msisdn,
            amount=transaction.amount,
            currency=transaction.currency,
            customer_channel=transaction.customer_channel,
            otp_reference=transaction.otp_reference,
            otp_attempts=transaction.otp_attempts,
            payment_reference=transaction.payment_reference,
            debit_reference=transaction.debit_reference,
            status=transaction.status,
            response_code=transaction.response_code,
            response_message=transaction.response_message,
            created_at=transaction.created_at,
            updated_at=transaction.updated_at,
            language=Language.from_code(transaction.language),
        )
