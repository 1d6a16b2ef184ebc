"""The demo bookings `make run` seeds and the tests pay against."""
from __future__ import annotations

from decimal import Decimal
from typing import List

from payments.store.models import Booking
from parsing import booking_reference_key
from payments.store.repository import BookingStore

# (reference, customer, phone, tour, total, paid, currency, status)
DEMO_BOOKINGS = [
    ("BK-SLYKER-TECH-20251023", "Tariro Moyo", "263772000001", "Victoria Falls 3-Day Adventure", "1200.00", "400.00", "USD", "deposit_paid"),  # noqa: E501 - one booking a row
    ("BK-T005-20260210", "Rudo Chikore", "263712000002", "Hwange Big Five Safari", "850.00", "0.00", "USD", "pending"),
    ("BK48213977", "Tendai Ncube", "263732000003", "Mana Pools Canoe Trail", "500.00", "500.00", "USD", "paid"),
    ("BK-T002-20251225", "Farai Dube", "263782000004", "Matobo Rhino Walk", "300.00", "0.00", "USD", "cancelled"),
    ("BK-T010-20260301", "Nyasha Banda", "263772000005", "Lake Kariba Houseboat Weekend", "6400.00", "1600.00", "ZWG", "deposit_paid"),  # noqa: E501 - one booking a row
]


def seed_demo_bookings(store: BookingStore) -> List[str]:
    """Insert the demo bookings that are missing; returns the references inserted.

    Idempotent: a booking already present is left exactly as it is, payments
    made on it included. The tables must exist (`python -m payments.ops migrate`).
    """
    inserted = []
    for reference, customer, phone, tour, total, paid, currency, status in DEMO_BOOKINGS:
        booking = Booking(
            reference=reference,
            lookup_key=booking_reference_key(reference),
            customer_name=customer,
            customer_phone=phone,
            tour_name=tour,
            total=Decimal(total),
            amount_paid=Decimal(paid),
            opening_amount_paid=Decimal(paid),
            currency=currency,
            status=status,
        )
        if store.add_booking(booking):
            inserted.append(reference)
    return inserted
