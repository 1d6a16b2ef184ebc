"""The back office's backend on SQLite and PostgreSQL: accounts, the append-only audit log, refunds.

- A staff password is kept only as an argon2 hash and checked without saying
  which part was wrong; a disabled account no longer authenticates.
- The audit table refuses UPDATE and DELETE in the database itself.
- Marking an overpaid excess refunded takes it off what the booking was paid,
  once, and only for the exact excess a person saw; `ops audit` still holds.
"""
from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Iterator

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import DatabaseError

from payments import ops
from payments.service import PaymentPolicy, RefundOutcome, SubmitOutcome
from payments.staff.accounts import AccountError, StaffDirectory, StaffRole
from payments.staff.audit import AuditAction, AuditLog
from payments.staff.records import StaffRecords
from payments.store.models import Booking
from tests.support.payment_backend import OTP, SLYKER_KEY, PaymentBackend, on_every_backend

SLYKER = "BK-SLYKER-TECH-20251023"
QUERY_FAILS_ONCE = "263770000008"
PASSWORD = "a long enough passphrase"


@pytest.fixture
def records(payment_backend: PaymentBackend) -> Iterator[StaffRecords]:
    opened = StaffRecords(payment_backend.database_url)
    try:
        yield opened
    finally:
        opened.dispose()


@on_every_backend
def test_a_password_is_kept_only_as_a_hash_and_a_disabled_account_cannot_log_in(
        payment_backend: PaymentBackend, records: StaffRecords) -> None:
    directory = StaffDirectory(records)
    directory.create("amina", StaffRole.OPS, PASSWORD)
    with records.session() as session:
        stored = session.execute(text("SELECT password_hash FROM staff_accounts")).scalar_one()
    assert PASSWORD not in stored and stored.startswith("$argon2id$")
    assert directory.authenticate("amina", PASSWORD).role is StaffRole.OPS
    assert directory.authenticate("amina", PASSWORD + "x") is None
    assert directory.authenticate("nobody", PASSWORD) is None
    with pytest.raises(AccountError, match="already"):
        directory.create("amina", StaffRole.OFFICE, PASSWORD)
    with pytest.raises(AccountError, match="12"):
        directory.create("short", StaffRole.OFFICE, "too short")
    assert directory.disable("amina") and directory.active("amina") is None
    assert directory.authenticate("amina", PASSWORD) is None


@on_every_backend
def test_the_audit_log_refuses_to_be_changed_or_deleted(payment_backend: PaymentBackend,
                                                        records: StaffRecords) -> None:
    audit = AuditLog(records)
    audit.record("amina", AuditAction.RESOLVE_HELD_CREDIT, "some-payment", "checked the statement")
    for statement in ("UPDATE audit_entries SET note = 'nothing happened'", "DELETE FROM audit_entries"):
        with pytest.raises(DatabaseError, match="append-only"):
            with records.session() as session:
                session.execute(text(statement))
    assert [(e.actor, e.note) for e in audit.recent()] == [("amina", "checked the statement")]


@on_every_backend
def test_an_overpaid_excess_marked_refunded_leaves_the_booking_once(
        payment_backend: PaymentBackend, capsys, caplog) -> None:
    service = payment_backend.action_server(PaymentPolicy())
    late = service.start_payment(sender_id="rest:late", booking_lookup_key=SLYKER_KEY, amount=Decimal("800.00"),
                                 customer_channel="ecocash", msisdn=QUERY_FAILS_ONCE)
    assert service.submit_otp(late.transaction.reference, OTP).outcome is SubmitOutcome.PENDING
    with payment_backend.store.session() as session:  # the office took the balance by hand meanwhile
        session.execute(update(Booking).where(Booking.reference == SLYKER)
                        .values(amount_paid=Decimal("1200.00"), opening_amount_paid=Decimal("1200.00"),
                                status="paid").execution_options(synchronize_session=False))
    with caplog.at_level(logging.ERROR):
        service.reconcile_all()
    assert payment_backend.store.find_booking(SLYKER_KEY).overpaid_amount == Decimal("800.00")

    assert service.mark_overpaid_refunded(SLYKER, Decimal("799.99")) is RefundOutcome.NOT_OVERPAID
    assert service.mark_overpaid_refunded(SLYKER, Decimal("800.00")) is RefundOutcome.REFUNDED
    assert service.mark_overpaid_refunded(SLYKER, Decimal("800.00")) is RefundOutcome.NOT_OVERPAID
    booking = payment_backend.store.find_booking(SLYKER_KEY)
    assert (booking.amount_paid, booking.overpaid_amount, booking.refunded_amount, booking.status) == (
        Decimal("1200.00"), Decimal("0.00"), Decimal("800.00"), "paid")
    assert ops.main(["audit"]) == 0  # paid == opening + payments - refunds <= total
    capsys.readouterr()
    assert ops.main(["overpaid", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
