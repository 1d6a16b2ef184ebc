"""Two turns of one chat at once, on PostgreSQL: a new payment must not void the one the other turn claimed.

A chat has a payment waiting for its OTP. The customer types the OTP and, before
that turn is done, a correction that starts a new payment for the same chat (two
Rasa turns overlap when one outlives the conversation's lock, or on two Rasa
instances). The new payment's write lists the chat's waiting payments and
cancels them; under PostgreSQL's READ COMMITTED the OTP turn can claim the
listed payment for /request in between. That payment was not cancelled, so it
must not be voided at O'mari either: the customer's authorised debit would be.
The interleaving is forced: the claim commits just before the cancelling UPDATE runs.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Iterator

import pytest
from sqlalchemy import event

from payments.service import StartOutcome
from tests.support.payment_backend import PaymentBackend

on_postgresql = pytest.mark.parametrize("payment_backend", ["postgresql"], indirect=True)
CHAT = "rest:overlapping"


@pytest.fixture
def claim_before_cancelling(payment_backend: PaymentBackend) -> Iterator[list]:
    """Claim the listed references (as the OTP turn does) just before the first cancelling UPDATE."""
    to_claim: list = []
    engine = payment_backend.store._engine  # the forced interleaving needs the engine's hook

    def claim_first(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if to_claim and statement.lstrip().upper().startswith("UPDATE PAYMENT_TRANSACTIONS") \
                and "cancelled" in str(parameters):
            transaction = payment_backend.store.get_transaction(to_claim.pop())
            assert transaction is not None
            # Its own connection and transaction, committed before this UPDATE runs.
            assert payment_backend.store.claim_for_request(transaction, None, datetime.utcnow() - timedelta(days=1))

    event.listen(engine, "before_cursor_execute", claim_first)
    yield to_claim
    event.remove(engine, "before_cursor_execute", claim_first)


@on_postgresql
def test_a_new_payment_does_not_void_the_payment_a_parallel_turn_just_claimed(
        payment_backend: PaymentBackend, claim_before_cancelling: list) -> None:
    first = payment_backend.start(sender=CHAT, amount="50.00")
    assert first.outcome is StartOutcome.OTP_SENT and first.transaction is not None
    claim_before_cancelling.append(first.transaction.reference)

    second = payment_backend.start(sender=CHAT, amount="60.00")  # the overlapping turn's new payment

    assert second.outcome is StartOutcome.OTP_SENT
    assert not claim_before_cancelling, "the claim ran between the listing and the cancelling UPDATE"
    claimed = payment_backend.store.get_transaction(first.transaction.reference)
    assert claimed is not None and claimed.status == "pending"  # still the OTP turn's to finish
    at_omari = {t["reference"]: t["status"] for t in payment_backend.wallet()}
    assert at_omari[first.transaction.reference] != "Voided"
