"""The notification outbox under racing reconcilers, on SQLite and PostgreSQL.

Separate stores (separate connection pools), as separate reconciler processes
have. A payment's outcome gets one row however many reconcilers settle it, and
each move of the row's state is made by exactly one of them.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import List

import pytest
from sqlalchemy import update

from payments.store.models import NotificationState, PaymentNotification
from payments.notifications.outbox import NotificationOutbox
from payments.notifications.notifier import OutcomeNotifier, TriggerOutcome, TriggerResult, sending_lease
from payments.store.repository import BookingStore
from payments.service import SubmitOutcome
from tests.support.databases import BACKENDS, migrated_database_url
from tests.support.payment_backend import OTP, PaymentBackend

REFERENCE = "5b0c4bd0-7f59-4a43-9d0b-6e1f2f7c0a11"
SENDER = "whatsapp:263772000001"
RACERS = 6


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path: Path) -> str:
    return migrated_database_url(request, request.param, tmp_path)


def racing(database_url: str, work) -> List[bool]:
    stores = [BookingStore(database_url, pool_size=2) for _ in range(RACERS)]
    try:
        with ThreadPoolExecutor(max_workers=RACERS) as pool:
            return list(pool.map(lambda store: work(NotificationOutbox(store)), stores))
    finally:
        for store in stores:
            store.dispose()


def test_racing_reconcilers_write_one_row_and_one_of_them_claims_it(database_url: str) -> None:
    assert sorted(racing(database_url, lambda outbox: outbox.add_due(REFERENCE, SENDER))) == [False] * 5 + [True]
    claims = racing(database_url, lambda outbox: outbox.move(
        REFERENCE, [NotificationState.DUE], NotificationState.SENDING, count_attempt=True))
    assert claims.count(True) == 1
    store = BookingStore(database_url)
    try:
        [row] = NotificationOutbox(store).list()
        assert (row.state, row.attempts, row.sender_id) == ("sending", 1, SENDER)
    finally:
        store.dispose()


class ScriptedRasa:
    """Rasa as the notifier sees it: each trigger answers the next scripted result.

    ``action_runs`` makes a trigger also do what action_tell_payment_outcome
    does first: claim the row (sending -> told).
    """

    def __init__(self, outbox: NotificationOutbox, results: List[TriggerResult], action_runs: bool) -> None:
        self.outbox, self.results, self.action_runs, self.calls = outbox, list(results), action_runs, 0

    def trigger(self, conversation_id: str, intent: str, entities: dict) -> TriggerResult:
        self.calls += 1
        if self.action_runs:
            self.outbox.move(entities["settled_payment"], [NotificationState.SENDING], NotificationState.TOLD,
                             told_by="message")
        return self.results.pop(0)


FAILED = TriggerResult(TriggerOutcome.FAILED, "ConnectionError reaching Rasa")


def notify_with(database_url: str, results: List[TriggerResult], action_runs: bool):
    store = BookingStore(database_url)
    outbox = NotificationOutbox(store)
    outbox.add_due(REFERENCE, SENDER)
    rasa = ScriptedRasa(outbox, results, action_runs)
    sleeps: List[float] = []
    OutcomeNotifier(outbox, rasa, retries=2, sleep=sleeps.append).notify_due()  # type: ignore[arg-type]
    row = outbox.get(REFERENCE)
    store.dispose()
    return row, rasa.calls, sleeps


def test_rasa_unreachable_is_retried_with_backoff_then_left_due_for_the_next_run(database_url: str) -> None:
    row, calls, sleeps = notify_with(database_url, [FAILED] * 3, action_runs=False)
    assert (row.state, row.attempts, calls, sleeps) == ("due", 1, 3, [0.5, 1.0])
    assert "reaching Rasa" in row.last_error


def test_a_send_that_failed_after_the_action_claimed_it_is_failed_and_never_retried(database_url: str) -> None:
    row, calls, sleeps = notify_with(database_url, [TriggerResult(TriggerOutcome.FAILED, "Rasa answered HTTP 500")],
                                     action_runs=True)
    assert (row.state, calls, sleeps) == ("failed", 1, [])
    assert "sending failed: Rasa answered HTTP 500" in row.last_error


def test_without_a_token_nothing_is_sent_and_the_outcome_waits(database_url: str) -> None:
    store = BookingStore(database_url)
    outbox = NotificationOutbox(store)
    outbox.add_due(REFERENCE, SENDER)
    OutcomeNotifier(outbox, None).notify_due()
    assert outbox.get(REFERENCE).state == "due"
    store.dispose()


def test_reconcile_adds_an_outcome_only_for_payments_the_customer_was_told_were_unconfirmed(
        payment_backend: PaymentBackend) -> None:
    service, store = payment_backend.service, payment_backend.store

    def start(sender: str, msisdn: str) -> str:
        return payment_backend.start(msisdn, sender, amount="25.00").transaction.reference

    unconfirmed = start("whatsapp:263770000008", "263770000008")
    assert service.submit_otp(unconfirmed, OTP).outcome is SubmitOutcome.PENDING
    receipted = start("rest:paid-at-once", "263772000111")  # the conversation gave its receipt
    assert service.submit_otp(receipted, OTP).outcome is SubmitOutcome.SUCCESS
    outcomes = dict(service.reconcile_all())
    assert outcomes == {unconfirmed: SubmitOutcome.SUCCESS}
    assert [(n.transaction_reference, n.sender_id, n.state) for n in NotificationOutbox(store).list()] == [
        (unconfirmed, "whatsapp:263770000008", "due")]
    service.reconcile_all()
    assert len(NotificationOutbox(store).list()) == 1


def test_a_row_left_sending_by_a_killed_notifier_is_told_after_its_lease(database_url: str) -> None:
    store = BookingStore(database_url)
    outbox = NotificationOutbox(store)
    outbox.add_due(REFERENCE, SENDER)
    # A reconciler claimed it and was killed before it asked Rasa: the row stays 'sending'.
    assert outbox.move(REFERENCE, [NotificationState.DUE], NotificationState.SENDING, count_attempt=True)
    rasa = ScriptedRasa(outbox, [TriggerResult(TriggerOutcome.ANSWERED)], action_runs=True)
    OutcomeNotifier(outbox, rasa, retries=2).notify_due()  # type: ignore[arg-type]
    assert (outbox.get(REFERENCE).state, rasa.calls) == ("sending", 0)  # within its lease: maybe still running

    with store.session() as session:  # the lease passes
        session.execute(update(PaymentNotification).values(
            updated_at=datetime.utcnow() - sending_lease(2) - timedelta(seconds=1)))
    OutcomeNotifier(outbox, rasa, retries=2).notify_due()  # type: ignore[arg-type]
    row = outbox.get(REFERENCE)
    assert (row.state, row.told_by, rasa.calls) == ("told", "message", 1)
    store.dispose()
