"""Every dollar once: fault injection over real HTTP against the sandbox, and races.

The payment service runs against a real SQLite database (the races also
against PostgreSQL, each thread group with its own BookingStore as separate
action servers have) and the sandbox on a loopback port. The sandbox's ledger (``/__sandbox/transactions``) is the
wallet's side of the truth: each test checks that what the booking shows
matches what left the wallet, exactly once.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from payments import ops
from payments.limits.policy import RequestLimit
from payments.store.models import PaymentTransaction
from payments.omari import OmariClient
from payments.service import HeldDecision, PaymentPolicy, ResolveOutcome, StartOutcome, SubmitOutcome
from tests.support.payment_backend import (
    ACTION_SERVER_READ_TIMEOUT, MERCHANT_KEY, OTP, SLYKER_KEY, SLYKER_OPENING_PAID, PaymentBackend,
    on_every_backend,
)

OPENING_PAID = SLYKER_OPENING_PAID
LIMITS = (RequestLimit(3, timedelta(minutes=15), "15 minutes"), RequestLimit(10, timedelta(days=1), "day"))


@pytest.fixture
def world(payment_backend: PaymentBackend) -> PaymentBackend:
    """The payment backend under this module's OTP request limits."""
    return payment_backend.with_policy(PaymentPolicy(request_limits=LIMITS))


# -- every predictable number, and the fault modes -------------------------------------

@pytest.mark.parametrize(
    "msisdn, outcome, status, debits",
    [
        ("263772123456", SubmitOutcome.SUCCESS, "success", 1),  # an ordinary number
        ("263770000002", SubmitOutcome.DECLINED, "failed", 0),  # insufficient funds
        ("263770000003", SubmitOutcome.SUCCESS, "success", 1),  # answer times out; /query shows the debit
        ("263770000004", SubmitOutcome.DECLINED, "failed", 0),  # HTTP 500 without a debit
        ("263770000006", SubmitOutcome.SUCCESS, "success", 1),  # 200 with malformed JSON after debiting
        ("263770000007", SubmitOutcome.SUCCESS, "success", 1),  # error:false with code 001 after debiting
        ("263770000008", SubmitOutcome.PENDING, "pending", 1),  # /query itself fails after the debit
    ],
)
def test_each_number_settles_as_the_wallet_did(world, msisdn, outcome, status, debits) -> None:
    reference = world.start(msisdn=msisdn).transaction.reference
    result = world.service.submit_otp(reference, OTP)
    assert (result.outcome, world.store.get_transaction(reference).status) == (outcome, status)
    assert world.debits() == debits
    if status != "pending":
        world.assert_booking_matches_wallet()
    # Reconciling afterwards, twice, settles anything left and never credits again.
    world.service.reconcile_all()
    world.service.reconcile_all()
    world.assert_booking_matches_wallet()
    assert world.store.get_transaction(reference).status == ("success" if debits else "failed")


@pytest.mark.parametrize("msisdn, outcome", [("263770000001", StartOutcome.NOT_REGISTERED),
                                             ("263770000005", StartOutcome.UNAVAILABLE)])
def test_numbers_refused_at_auth_never_reach_a_debit(world, msisdn, outcome) -> None:
    start = world.start(msisdn=msisdn)
    assert start.outcome is outcome
    assert world.store.get_transaction(start.transaction.reference).status == "failed"
    assert world.debits() == 0
    world.assert_booking_matches_wallet()


def test_omari_down_entirely_charges_nothing_and_changes_no_booking(world) -> None:
    world.sandbox.stop()
    start = world.start()
    assert start.outcome is StartOutcome.UNAVAILABLE
    assert world.paid() == OPENING_PAID
    assert world.service.reconcile_all() == []  # nothing left open to settle


def test_timed_out_debit_is_credited_once_by_conversation_or_reconcile_never_both(world) -> None:
    """The conversation's /request times out while reconcilers race it on the same transaction."""
    reference = world.start(msisdn="263770000003").transaction.reference
    stop = threading.Event()

    def reconcile_until_settled() -> None:
        while not stop.is_set():
            world.new_service().reconcile(reference)

    with ThreadPoolExecutor(max_workers=5) as pool:
        reconcilers = [pool.submit(reconcile_until_settled) for _ in range(4)]
        result = world.service.submit_otp(reference, OTP)
        stop.set()
        for reconciler in reconcilers:
            reconciler.result()
    assert result.outcome is SubmitOutcome.SUCCESS
    assert world.debits() == 1
    world.assert_booking_matches_wallet()


# -- concurrency: 20 at once, one credit ---------------------------------------------------

@on_every_backend
def test_twenty_threads_submitting_the_same_otp_credit_once(world) -> None:
    reference = world.start().transaction.reference
    barrier = threading.Barrier(20)
    servers = world.action_server_stores(4)  # five threads on each of four action servers

    def submit(thread: int) -> SubmitOutcome:
        service = world.new_service(store=servers[thread % 4])
        barrier.wait()
        return service.submit_otp(reference, OTP).outcome

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(submit, range(20)))
    # PENDING only if the one /request's answer was slow on a busy machine.
    assert set(outcomes) <= {SubmitOutcome.SUCCESS, SubmitOutcome.IN_PROGRESS, SubmitOutcome.PENDING}
    world.service.reconcile_all()
    assert world.debits() == 1
    assert world.paid() == OPENING_PAID + Decimal("50.00")
    world.assert_booking_matches_wallet()


@on_every_backend
def test_twenty_threads_reconciling_one_pending_payment_credit_once(world) -> None:
    reference = world.start(msisdn="263770000008").transaction.reference
    assert world.service.submit_otp(reference, OTP).outcome is SubmitOutcome.PENDING
    barrier = threading.Barrier(20)
    servers = world.action_server_stores(4)

    def reconcile(thread: int) -> SubmitOutcome:
        service = world.new_service(store=servers[thread % 4])
        barrier.wait()
        return service.reconcile(reference).outcome

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(reconcile, range(20)))
    # A reconciler whose /query timed out on the busy sandbox leaves it to the others.
    assert SubmitOutcome.SUCCESS in outcomes
    assert set(outcomes) <= {SubmitOutcome.SUCCESS, SubmitOutcome.PENDING}
    assert world.store.get_transaction(reference).status == "success"
    assert world.paid() == OPENING_PAID + Decimal("50.00")
    world.assert_booking_matches_wallet()


# -- held for review, stale OTPs, cancel ---------------------------------------------------

def pending_with_a_larger_debit(world: PaymentBackend, reference: str) -> str:
    """A local record of 50.00 for a wallet debit of 60.00 under the same reference."""
    world.store.create_transaction(reference=reference, booking_reference="BK-SLYKER-TECH-20251023",
                                   sender_id="s1", msisdn="263772123456", amount=Decimal("50.00"),
                                   currency="USD", customer_channel="ecocash")
    client = OmariClient(world.sandbox.base_url, MERCHANT_KEY, 1, 5)
    client.authorise("263772123456", reference, Decimal("60.00"), "USD")
    client.request_payment("263772123456", reference, OTP)
    world.store.move_transaction(reference, from_statuses=["initiated"], to_status="pending")
    return reference


def test_amount_mismatch_is_held_logged_and_settled_only_by_a_person(world, caplog, capsys) -> None:
    # A local record of 50.00 for a wallet debit of 60.00 under the same reference.
    reference = pending_with_a_larger_debit(world, "1f0e1c36-0f1e-4b9a-9c1e-2f7c7a0e8b22")
    with caplog.at_level(logging.ERROR, logger="payments.service"):
        assert world.service.reconcile(reference).outcome is SubmitOutcome.PENDING
    assert world.store.get_transaction(reference).status == "held"
    assert "HELD FOR REVIEW" in caplog.text and reference in caplog.text
    assert world.paid() == OPENING_PAID
    world.service.reconcile_all()  # reconciliation leaves a held payment to people
    assert world.store.get_transaction(reference).status == "held"
    assert ops.main(["transactions", "--status", "held", "--json"]) == 0
    assert reference in capsys.readouterr().out
    assert ops.main(["resolve-held", reference, "--credit", "--note", "O'mari confirmed 50.00"]) == 0
    assert world.paid() == OPENING_PAID + Decimal("50.00")
    assert ops.main(["resolve-held", reference, "--fail"]) == 1  # already settled: no second change
    assert ops.main(["audit"]) == 0


def held_for_review(world: PaymentBackend, reference: str) -> str:
    """A payment of 50.00 that O'mari reports as a debit of 60.00: reconciliation holds it."""
    pending_with_a_larger_debit(world, reference)
    world.service.reconcile(reference)
    assert world.store.get_transaction(reference).status == "held"
    return reference


def test_two_people_resolving_one_held_payment_credit_it_once(world) -> None:
    reference = held_for_review(world, "6b1d7c8e-3a0f-4c55-9e0d-7f1a2b3c4d5e")
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(
            lambda decision: world.service.resolve_held(reference, decision, "checked").outcome,
            [HeldDecision.CREDIT] * 4,
        ))
    assert outcomes.count(ResolveOutcome.RESOLVED) == 1
    # The others lost the conditional update, or (slower) found it no longer held.
    assert set(outcomes) - {ResolveOutcome.RESOLVED} <= {ResolveOutcome.SETTLED_MEANWHILE, ResolveOutcome.NOT_HELD}
    settled = world.store.get_transaction(reference)
    assert (settled.status, settled.response_message) == ("success", "resolved by hand: checked")
    assert world.paid() == OPENING_PAID + Decimal("50.00")  # our amount, once; never O'mari's 60.00
    assert world.service.resolve_held(reference, HeldDecision.FAIL).outcome is ResolveOutcome.NOT_HELD
    assert ops.main(["audit"]) == 0


def test_a_held_payment_failed_by_a_person_credits_nothing(world) -> None:
    reference = held_for_review(world, "0c9e8d7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f")
    resolution = world.service.resolve_held(reference, HeldDecision.FAIL, "refunded at O'mari")
    assert resolution.outcome is ResolveOutcome.RESOLVED and resolution.transaction.status == "failed"
    assert world.paid() == OPENING_PAID
    assert world.service.resolve_held(reference, HeldDecision.CREDIT).outcome is ResolveOutcome.NOT_HELD
    assert world.paid() == OPENING_PAID


def test_reconcile_closes_and_voids_a_payment_whose_otp_expired_unused(world) -> None:
    reference = world.start().transaction.reference
    world.age(reference, minutes=6)
    with ThreadPoolExecutor(max_workers=5) as pool:  # concurrent reconcilers agree
        list(pool.map(lambda _: world.new_service().reconcile_all(), range(5)))
    assert world.store.get_transaction(reference).status == "failed"
    assert [t["status"] for t in world.wallet()] == ["Voided"]
    assert world.service.submit_otp(reference, OTP).outcome is SubmitOutcome.CLOSED
    assert world.debits() == 0


def test_a_fresh_payment_is_left_alone_by_reconcile(world) -> None:
    reference = world.start().transaction.reference
    assert world.service.reconcile_all() == []
    assert world.store.get_transaction(reference).status == "otp_sent"


def test_cancel_voids_only_after_query_shows_no_success(world) -> None:
    reference = world.start().transaction.reference
    assert world.service.cancel_payment(reference).value == "cancelled"
    assert [t["status"] for t in world.wallet()] == ["Voided"]
    other = world.start(sender="s2").transaction.reference
    world.sandbox.stop()  # /query cannot answer: cancel locally, void nothing blind
    assert world.service.cancel_payment(other).value == "cancelled"
    assert world.store.get_transaction(other).status == "cancelled"


# -- abuse limits ------------------------------------------------------------------------

def test_three_otp_requests_per_window_then_a_clear_refusal_without_calling_omari(world) -> None:
    for _ in range(3):
        assert world.start().outcome is StartOutcome.OTP_SENT
    refused = world.start()
    assert refused.outcome is StartOutcome.LIMIT_REACHED and refused.limit.description == "15 minutes"
    assert len(world.wallet()) == 3  # no 4th /auth
    assert len(world.store.list_transactions()) == 3  # the refusal left no row
    # Another action-server instance on the same database sees the same count.
    assert world.start(service=world.new_service()).outcome is StartOutcome.LIMIT_REACHED
    # Other senders are not affected.
    assert world.start(sender="someone-else").outcome is StartOutcome.OTP_SENT


def test_ten_otp_requests_per_day(world) -> None:
    for _ in range(10):
        reference = world.start().transaction.reference
        world.age(reference, minutes=60)  # outside the 15-minute window, inside the day
    refused = world.start()
    assert (refused.outcome, refused.limit.description) == (StartOutcome.LIMIT_REACHED, "day")
    assert len(world.wallet()) == 10


@on_every_backend
def test_racing_requests_never_exceed_the_limit(world) -> None:
    """On PostgreSQL (READ COMMITTED) only the per-sender advisory lock keeps this at 3."""
    servers = world.action_server_stores(8)
    barrier = threading.Barrier(8)

    def request(thread: int) -> StartOutcome:
        # An action server's timeout: eight /auth calls at once on a busy machine can take over 0.5 s.
        service = world.new_service(store=servers[thread], read_timeout=ACTION_SERVER_READ_TIMEOUT)
        barrier.wait()
        return service.start_payment(sender_id="racer", booking_lookup_key=SLYKER_KEY, amount=Decimal("5.00"),
                                     customer_channel="ecocash", msisdn="263772123456").outcome

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(request, range(8)))
    assert outcomes.count(StartOutcome.OTP_SENT) == 3
    assert outcomes.count(StartOutcome.LIMIT_REACHED) == 5
    assert len(world.wallet()) == 3
    assert len(world.store.list_transactions(sender_id="racer")) == 3


# -- the ledger's guarantees ---------------------------------------------------------------

def test_references_are_unique_in_the_database(world) -> None:
    reference = world.start().transaction.reference
    with pytest.raises(IntegrityError):
        world.store.create_transaction(reference=reference, booking_reference="BK-T005-20260210", sender_id="x",
                                       msisdn="263772123456", amount=Decimal("1.00"), currency="USD",
                                       customer_channel="ecocash")
    first = world.start(sender="a").transaction.reference
    second = world.start(sender="b").transaction.reference
    world.store.move_transaction(first, from_statuses=["otp_sent"], to_status="pending", payment_reference="P" * 26)
    with pytest.raises(IntegrityError):
        world.store.move_transaction(second, from_statuses=["otp_sent"], to_status="pending",
                                     payment_reference="P" * 26)


def test_audit_finds_a_booking_its_payments_do_not_explain(world, capsys) -> None:
    reference = world.start().transaction.reference
    world.service.submit_otp(reference, OTP)
    assert ops.main(["audit"]) == 0
    with world.store._session() as session:
        session.execute(update(PaymentTransaction).where(PaymentTransaction.reference == reference)
                        .values(status="failed").execution_options(synchronize_session=False))
    capsys.readouterr()
    assert ops.main(["audit", "--json"]) == 1
    assert "BK-SLYKER-TECH-20251023" in capsys.readouterr().out


def test_no_otp_key_or_full_number_in_logs_or_the_transaction_table(world, caplog) -> None:
    with caplog.at_level(logging.DEBUG):
        for msisdn in ("263771987654", "263770000002", "263770000003", "263770000008"):
            reference = world.start(msisdn=msisdn, sender=msisdn).transaction.reference
            world.service.submit_otp(reference, "654321")  # a wrong one first
            world.service.submit_otp(reference, OTP)
        world.service.reconcile_all()
    for secret in (OTP, "654321", MERCHANT_KEY, "263771987654", "263770000003"):
        assert secret not in caplog.text
    with world.store._session() as session:
        rows = session.execute(PaymentTransaction.__table__.select()).all()
    for row in rows:
        for value in row:
            assert OTP not in str(value) and "654321" not in str(value) and MERCHANT_KEY not in str(value)
