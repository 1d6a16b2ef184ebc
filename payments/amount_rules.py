"""Which amounts a booking can take: the money rule the form checks an answer against.

The parser (parsing) reads what the customer typed; this decides what
that means for one booking: "the deposit" is what is left of half the total,
and nothing may exceed the balance or be in the other currency.
"""
from __future__ import annotations

from decimal import Decimal
from typing import AbstractSet

from payments.store.models import CENT
from parsing import AmountChoice, AmountShare
from payments.snapshots import BookingSnapshot


class AmountRejected(ValueError):
    """The amount is a number, but not one this booking can take. ``reason`` names why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def resolve_amount(booking: BookingSnapshot, choice: AmountChoice) -> Decimal:
    """Turn what the customer chose into the exact amount to charge.

    Raises AmountRejected for an amount the booking cannot take: more than the
    balance, a deposit that is already covered, or the wrong currency.
    """
    refuse_other_currencies(booking, choice.currencies | ({choice.currency} if choice.currency is not None else set()))
    if choice.share is AmountShare.FULL_BALANCE:
        amount = booking.balance_due
    elif choice.share is AmountShare.DEPOSIT:
        if booking.deposit_due <= 0:
            raise AmountRejected("deposit_already_paid")
        amount = booking.deposit_due
    elif choice.share is AmountShare.HALF:
        amount = (booking.balance_due / 2).quantize(CENT)
    else:
        amount = choice.value or Decimal("0")
    amount = amount.quantize(CENT)
    if amount <= 0:
        raise AmountRejected("not_positive")
    if amount > booking.balance_due:
        raise AmountRejected("above_balance")
    return amount


def refuse_other_currencies(booking: BookingSnapshot, currencies: AbstractSet[str]) -> None:
    """Refuse a message naming any currency but the booking's: never converted, never ignored."""
    if any(currency != booking.currency for currency in currencies):
        raise AmountRejected("wrong_currency")


class BalanceReserved(ValueError):
    """Open payments on the booking already speak for the balance this payment wanted.

    ``in_progress`` is what the other open payments (otp_sent, pending, held)
    take; ``available`` is what is left for a new payment (possibly zero).
    """

    def __init__(self, in_progress: Decimal, available: Decimal) -> None:
        super().__init__(f"{in_progress} already in progress; {available} available")
        self.in_progress = in_progress
        self.available = available


def available_to_pay(total: Decimal, amount_paid: Decimal, in_progress: Decimal) -> Decimal:
    """What a new payment may take: the balance due less every open payment, never below zero."""
    return max(total - amount_paid - in_progress, Decimal("0")).quantize(CENT)
