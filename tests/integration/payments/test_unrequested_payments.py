"""Pending forever (issue 25, point 3): a /request that never reached O'mari.

The sandbox's 263770000010 plays it: a gateway answers 502 and O'mari never
hears of the /request, so /query keeps answering ``Pending`` (the
authorisation only). Before payments/unrequested.py the payment stayed
pending for ever: its amount reserved, the customer never told, nothing for
ops to do. Real HTTP against the sandbox, SQLite and PostgreSQL.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from payments import ops
from payments.notifications.outbox import NotificationOutbox
from payments.service import PaymentPolicy, StartOutcome, SubmitOutcome
from payments.store.models import NotificationState
from tests.support.payment_backend import OTP, PaymentBackend, on_every_backend

NEVER_ARRIVES = "263770000010"
QUERY_FAILS_ONCE = "263770000008"  # debited; the first /query answers 500
WAIT = timedelta(minutes=30)


@pytest.fixture
def world(payment_backend: PaymentBackend) -> PaymentBackend:
    return payment_backend.with_policy(PaymentPolicy(void_unrequested_after=WAIT))


def pending(world: PaymentBackend, msisdn: str = NEVER_ARRIVES, amount: str = "800.00") -> str:
    """A payment of the whole balance whose OTP went to /request and came back unclear."""
    reference = world.start(msisdn=msisdn, amount=amount).transaction.reference
    assert world.service.submit_otp(reference, OTP).outcome is SubmitOutcome.PENDING
    return reference


def wallet_entry(world: PaymentBackend, reference: str) -> dict:
    [entry] = [t for t in world.wallet() if t["reference"] == reference]
    return entry


@on_every_backend
def test_a_request_that_never_reached_omari_is_voided_failed_and_told_after_the_wait(world) -> None:
    reference = pending(world)
    assert (wallet_entry(world, reference)["status"], world.debits()) == ("Pending", 0)
    # Within the wait: asked about, left alone, the balance still reserved.
    assert world.service.reconcile_all() == [(reference, SubmitOutcome.PENDING)]
    assert world.start(sender="s2", amount="800.00").outcome is StartOutcome.BALANCE_IN_PROGRESS

    world.age(reference, 31)
    assert world.service.reconcile_all() == [(reference, SubmitOutcome.VOIDED)]
    assert world.store.get_transaction(reference).status == "failed"
    assert wallet_entry(world, reference)["status"] == "Voided" and world.debits() == 0
    [told] = NotificationOutbox(world.store).list([NotificationState.DUE])
    assert (told.transaction_reference, told.sender_id) == (reference, "s1")
    # The balance is free again, and nothing is left to reconcile.
    assert world.start(sender="s2", amount="800.00").outcome is StartOutcome.OTP_SENT
    assert all(ref != reference for ref, _ in world.service.reconcile_all())
    world.assert_booking_matches_wallet()


def test_never_voided_while_omari_cannot_say(world) -> None:
    reference = pending(world)
    world.age(reference, 24 * 60)
    unreachable = world.new_service(base_url="http://127.0.0.1:9/vsuite/omari/api/merchant/api/payment")
    assert unreachable.reconcile(reference).outcome is SubmitOutcome.PENDING
    assert world.store.get_transaction(reference).status == "pending"
    assert wallet_entry(world, reference)["status"] == "Pending"


def test_a_debit_is_credited_never_voided_however_long_it_waited(world) -> None:
    reference = pending(world, msisdn=QUERY_FAILS_ONCE, amount="50.00")
    world.age(reference, 24 * 60)
    assert world.service.reconcile(reference).outcome is SubmitOutcome.SUCCESS
    assert wallet_entry(world, reference)["status"] == "Success"
    world.assert_booking_matches_wallet()


def test_ops_lists_the_stuck_payment_and_voids_it_at_once(world, capsys) -> None:
    reference = pending(world)
    capsys.readouterr()
    assert ops.main(["stuck", "--json"]) == 0
    [stuck] = json.loads(capsys.readouterr().out)
    assert (stuck["reference"], stuck["omari_status"], stuck["never_requested"]) == (reference, "Pending", True)

    assert ops.main(["void-unrequested", reference, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["outcome"] == "voided"
    assert world.store.get_transaction(reference).status == "failed"
    assert wallet_entry(world, reference)["status"] == "Voided"
    # Nothing more to void: said so, changing nothing.
    assert ops.main(["void-unrequested", reference]) == 1
    debited = pending(world, msisdn=QUERY_FAILS_ONCE, amount="50.00")
    assert ops.main(["void-unrequested", debited]) == 1  # O'mari shows the debit: credited, not voided
    assert world.store.get_transaction(debited).status == "success"
    world.assert_booking_matches_wallet()
