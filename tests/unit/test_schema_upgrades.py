"""A booking database written by the previous version keeps working, its totals explained."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, text

from actions.models import PaymentTransaction
from actions.store import BookingStore

OLD_BOOKINGS = """
CREATE TABLE bookings (
  id INTEGER PRIMARY KEY, reference VARCHAR(64) NOT NULL UNIQUE, lookup_key VARCHAR(64) NOT NULL UNIQUE,
  customer_name VARCHAR(120) NOT NULL, customer_phone VARCHAR(16) NOT NULL, tour_name VARCHAR(160) NOT NULL,
  total BIGINT NOT NULL, amount_paid BIGINT NOT NULL, currency VARCHAR(3) NOT NULL, status VARCHAR(16) NOT NULL,
  created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL)
"""


def test_an_older_database_gains_its_opening_amounts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url, future=True)
    with engine.begin() as connection:
        connection.execute(text(OLD_BOOKINGS))
        connection.execute(text(
            "INSERT INTO bookings VALUES (1, 'BK-T005-20260210', 'BKT00520260210', 'Rudo Chikore', '263712000002',"
            " 'Hwange', 85000, 45000, 'USD', 'deposit_paid', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
    PaymentTransaction.__table__.create(engine)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO payment_transactions (id, reference, booking_id, sender_id, msisdn, amount, currency,"
            " customer_channel, otp_attempts, status, created_at, updated_at) VALUES (1,"
            " 'a6c1e3f0-0000-4000-8000-000000000001', 1, 's', '263772123456', 5000, 'USD', 'ecocash', 0,"
            " 'success', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
    engine.dispose()

    store = BookingStore(url)
    store.create_schema()
    store.create_schema()  # twice: the upgrade runs once
    # 450.00 paid, 50.00 of it through the assistant: 400.00 was paid before.
    assert store.payment_totals() == [
        ("BK-T005-20260210", Decimal("450.00"), Decimal("400.00"), Decimal("50.00"))
    ]
    assert store.find_booking("BKT00520260210").balance_due == Decimal("400.00")
    store.dispose()
