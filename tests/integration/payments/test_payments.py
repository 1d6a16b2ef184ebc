"""The payment service's money rules, against a real SQLite database and the sandbox."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Tuple

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, update

from payments.store.models import PaymentTransaction
from parsing import AmountChoice, AmountShare
from payments.amount_rules import AmountRejected, resolve_amount
from payments.service import CancelOutcome, PaymentService, StartOutcome, SubmitOutcome
from payments.snapshots import BookingSnapshot
from payments.store.repository import BookingStore, booking_status_after_payment
from omari_sandbox import RunningSandbox
from tests.support.payment_backend import OTP, SLYKER_KEY, PaymentBackend


@pytest.fixture
def service(payment_backend: PaymentBackend) -> Tuple[PaymentService, BookingStore, RunningSandbox]:
    return payment_backend.service, payment_backend.store, payment_backend.sandbox


def start(service: PaymentService, msisdn: str = "263772123456", sender: str = "s1", amount: str = "50.00"):
    return service.start_payment(
        sender_id=sender,
        booking_lookup_key=SLYKER_KEY,
        amount=Decimal(amount),
        customer_channel="ecocash",
        msisdn=msisdn,
    )


def paid(store: BookingStore) -> Decimal:
    return store.find_booking(SLYKER_KEY).amount_paid


def test_the_same_otp_submitted_ten_times_at_once_credits_once(service) -> None:
    payments, store, _ = service
    reference = start(payments).transaction.reference
    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(lambda _: payments.submit_otp(reference, OTP).outcome, range(10)))
    assert outcomes.count(SubmitOutcome.SUCCESS) >= 1
    assert set(outcomes) <= {SubmitOutcome.SUCCESS, SubmitOutcome.IN_PROGRESS}
    assert paid(store) == Decimal("450.00")
    assert [t.status for t in store.list_transactions()] == ["success"]


def test_a_redelivered_otp_after_success_does_not_credit_again(service) -> None:
    payments, store, _ = service
    reference = start(payments).transaction.reference
    assert payments.submit_otp(reference, OTP).outcome is SubmitOutcome.SUCCESS
    assert payments.submit_otp(reference, OTP).outcome is SubmitOutcome.SUCCESS
    assert paid(store) == Decimal("450.00")


def test_omari_down_after_the_otp_leaves_the_payment_pending(service) -> None:
    payments, store, sandbox = service
    reference = start(payments).transaction.reference
    sandbox.stop()
    result = payments.submit_otp(reference, OTP)
    assert result.outcome is SubmitOutcome.PENDING
    assert store.get_transaction(reference).status == "pending"
    assert paid(store) == Decimal("400.00")
    assert payments.cancel_payment(reference) is CancelOutcome.TOO_LATE


def test_timed_out_debit_is_credited_from_query(service) -> None:
    payments, store, _ = service
    reference = start(payments, msisdn="263770000003").transaction.reference
    assert payments.submit_otp(reference, OTP).outcome is SubmitOutcome.SUCCESS
    assert paid(store) == Decimal("450.00")
    # Reconciling it again later changes nothing.
    assert payments.reconcile(reference).outcome is SubmitOutcome.SUCCESS
    assert paid(store) == Decimal("450.00")


def test_a_new_payment_closes_the_one_waiting_for_its_otp(service) -> None:
    payments, store, _ = service
    first = start(payments).transaction.reference
    second = start(payments, amount="20.00").transaction.reference
    assert store.get_transaction(first).status == "cancelled"
    assert payments.submit_otp(first, OTP).outcome is SubmitOutcome.CLOSED
    assert payments.submit_otp(second, OTP).outcome is SubmitOutcome.SUCCESS
    assert paid(store) == Decimal("420.00")


def test_expired_otp_closes_the_payment(service) -> None:
    payments, store, _ = service
    reference = start(payments).transaction.reference
    # Age the transaction past the OTP's lifetime.
    with store._session() as session:
        session.execute(
            update(PaymentTransaction)
            .where(PaymentTransaction.reference == reference)
            .values(created_at=datetime(2000, 1, 1))
            .execution_options(synchronize_session=False)
        )
    assert payments.submit_otp(reference, OTP).outcome is SubmitOutcome.OTP_EXPIRED
    assert paid(store) == Decimal("400.00")


def test_amount_above_a_balance_that_changed_meanwhile_is_refused(service) -> None:
    payments, _, _ = service
    assert start(payments, amount="800.01").outcome is StartOutcome.AMOUNT_REJECTED


def test_unregistered_number_is_reported_as_such(service) -> None:
    payments, store, _ = service
    assert start(payments, msisdn="263770000001").outcome is StartOutcome.NOT_REGISTERED
    assert store.list_transactions()[0].status == "failed"


# -- amount rules ----------------------------------------------------------------------


def booking(total: str, paid_so_far: str, status: str = "pending", currency: str = "USD") -> BookingSnapshot:
    from payments.store.models import Booking

    row = Booking(total=Decimal(total), amount_paid=Decimal(paid_so_far), status=status, currency=currency)
    return BookingSnapshot(
        reference="BK-X-000000", customer_name="", customer_phone="", tour_name="", total=row.total,
        amount_paid=row.amount_paid, balance_due=row.balance_due, deposit_due=row.deposit_due,
        currency=currency, status=status, accepts_payment=row.accepts_payment,
    )


cents = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)


@given(total=cents, paid_fraction=st.integers(0, 99), asked=cents)
def test_resolved_amount_is_positive_cents_never_above_the_balance(total, paid_fraction, asked) -> None:
    paid_so_far = (total * paid_fraction / 100).quantize(Decimal("0.01"))
    snapshot = booking(str(total), str(paid_so_far))
    try:
        amount = resolve_amount(snapshot, AmountChoice(value=asked, share=None, currency=None))
    except AmountRejected as rejection:
        assert rejection.reason in {"above_balance", "not_positive"}
        return
    assert isinstance(amount, Decimal) and amount == amount.quantize(Decimal("0.01"))
    assert Decimal("0") < amount <= snapshot.balance_due


@pytest.mark.parametrize(
    "share, expected",
    [(AmountShare.FULL_BALANCE, "850.00"), (AmountShare.DEPOSIT, "425.00"), (AmountShare.HALF, "425.00")],
)
def test_shares_resolve_against_the_booking(share, expected) -> None:
    amount = resolve_amount(booking("850.00", "0.00"), AmountChoice(value=None, share=share, currency=None))
    assert amount == Decimal(expected)


def test_deposit_is_refused_once_the_office_marked_it_paid() -> None:
    with pytest.raises(AmountRejected, match="deposit_already_paid"):
        resolve_amount(
            booking("1200.00", "400.00", "deposit_paid"),
            AmountChoice(value=None, share=AmountShare.DEPOSIT, currency=None),
        )


def test_currency_must_match_the_booking() -> None:
    with pytest.raises(AmountRejected, match="wrong_currency"):
        resolve_amount(booking("100.00", "0.00"), AmountChoice(value=Decimal("5"), share=None, currency="ZWG"))


@pytest.mark.parametrize(
    "status, total, paid_now, expected",
    [
        ("pending", "850.00", "50.00", "pending"),
        ("pending", "850.00", "425.00", "deposit_paid"),
        ("deposit_paid", "1200.00", "450.00", "deposit_paid"),
        ("deposit_paid", "1200.00", "1200.00", "paid"),
        ("cancelled", "300.00", "300.00", "cancelled"),
    ],
)
def test_booking_status_follows_what_was_paid(status, total, paid_now, expected) -> None:
    assert booking_status_after_payment(status, Decimal(total), Decimal(paid_now)) == expected


def test_money_columns_refuse_floats_and_fractions_of_a_cent(tmp_path: Path) -> None:
    from payments.store.models import Cents

    column = Cents()
    assert column.process_bind_param(Decimal("12.30"), None) == 1230
    assert column.process_result_value(1230, None) == Decimal("12.30")
    with pytest.raises(TypeError):
        column.process_bind_param(12.3, None)
    with pytest.raises(ValueError):
        column.process_bind_param(Decimal("0.001"), None)


def test_a_duplicate_answer_is_settled_by_what_query_says(service) -> None:
    payments, store, sandbox = service
    reference = start(payments).transaction.reference
    # The debit already went through at O'mari while our record still says
    # otp_sent (as after a crash): the next /request answers 026 "duplicate",
    # which must not be read as a refusal.
    requests.post(
        f"{sandbox.base_url}/request",
        json={"msisdn": "263772123456", "reference": reference, "otp": OTP},
        headers={"X-Merchant-Key": "sandbox-merchant-key"},
        timeout=5,
    ).raise_for_status()
    assert payments.submit_otp(reference, OTP).outcome is SubmitOutcome.SUCCESS  # 026, but /query says paid
    assert paid(store) == Decimal("450.00")


def test_a_paid_otp_reads_the_database_four_times_and_returns_the_credited_state(service) -> None:
    """Read the transaction, credit it (which reads it and its booking), report what it is now.

    Each extra read is a query per customer turn under load; the receipt must
    still show the state the payment ended in.
    """
    payments, store, _ = service
    reference = start(payments).transaction.reference
    selects = []

    def record(_conn, _cursor, statement, *_) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(store._engine, "before_cursor_execute", record)
    try:
        result = payments.submit_otp(reference, OTP)
    finally:
        event.remove(store._engine, "before_cursor_execute", record)
    assert result.outcome is SubmitOutcome.SUCCESS
    assert (result.transaction.status, result.transaction.booking_reference) == ("success", "BK-SLYKER-TECH-20251023")
    assert len(selects) == 4
    assert paid(store) == Decimal("450.00")
