"""How money, numbers and names are shown to customers.

Kept apart from the parsers (which read customer text) and from the actions
(which decide what to say), so wording of amounts is the same everywhere.
"""
from __future__ import annotations

from decimal import Decimal

from rasa_sdk.executor import CollectingDispatcher

from payments.snapshots import BookingSnapshot
from payments.store.models import CENT

CURRENCY_PREFIX = {"USD": "US$", "ZWG": "ZWG "}


def format_money(amount: Decimal, currency: str) -> str:
    """``Decimal('1200.5'), 'USD'`` -> ``US$1,200.50``."""
    prefix = CURRENCY_PREFIX.get(currency, f"{currency} ")
    return f"{prefix}{amount.quantize(CENT):,}"


def mask_phone_for_customer(msisdn: str) -> str:
    """``263772123456`` -> ``0772 xxx 456``: recognisable to its owner, not to others."""
    if len(msisdn) != 12 or not msisdn.startswith("263"):
        return "your number"
    national = "0" + msisdn[3:]
    return f"{national[:4]} xxx {national[-3:]}"


def format_phone_for_customer(msisdn: str) -> str:
    """``263772123456`` -> ``0772 123 456``: said back in full to the chat that typed it, to be checked."""
    if len(msisdn) != 12 or not msisdn.startswith("263"):
        return msisdn
    national = "0" + msisdn[3:]
    return f"{national[:4]} {national[4:7]} {national[7:]}"


def mask_customer_name(name: str) -> str:
    """``Tariro Moyo`` -> ``T*** M***``.

    A booking reference is all it takes to look a booking up, so what the
    assistant shows must confirm the right booking to its owner without
    telling a stranger who booked it.
    """
    initials = [word[0].upper() + "***" for word in name.split() if word[:1].isalpha()]
    return " ".join(initials) or "***"


SANDBOX_VARIANT = "_sandbox"


def receipt_response(response: str, uses_sandbox: bool) -> str:
    """``response``, or its sandbox variant: on the sandbox no money moves, so a receipt must say so."""
    return response + SANDBOX_VARIANT if uses_sandbox else response


def tell_booking_summary(dispatcher: CollectingDispatcher, booking: BookingSnapshot) -> None:
    """The booking as the customer sees it, when the form finds it and when asked for the balance.

    One place, so the summary masks the name and shows the same figures wherever it is said.
    """
    dispatcher.utter_message(
        response="utter_booking_summary",
        booking_reference=booking.reference,
        customer_name=mask_customer_name(booking.customer_name),
        tour_name=booking.tour_name,
        total=format_money(booking.total, booking.currency),
        amount_paid=format_money(booking.amount_paid, booking.currency),
        balance_due=format_money(booking.balance_due, booking.currency),
    )
