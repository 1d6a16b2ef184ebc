"""Settling a payment from what O'mari said: credit it once, hold it, fail it, or leave it pending.

Shared by the conversation (after ``/request``) and by reconciliation: both
pass O'mari's ``/query`` answer (and ``/request``'s, when there was one) to
:meth:`Settlement.settle`. Every state change is a conditional update, so when
several callers settle one payment at once, one changes it and the others
report the state it ended in.
"""
from __future__ import annotations

import logging
from typing import Optional, Union

from payments import metrics
from payments.store.models import OPEN_TRANSACTION_STATUSES, TransactionStatus
from payments.omari import DebitResult, Outcome, QueryResult
from payments.outcomes import (
    INCONCLUSIVE_REASONS,
    HeldDecision,
    HeldResolution,
    PaymentResult,
    ResolveOutcome,
    SubmitOutcome,
)
from payments.snapshots import TransactionSnapshot
from payments.store.repository import BookingStore

logger = logging.getLogger("payments.service")  # one logger for the money rules, wherever they live

# What a customer is told from a transaction's state when this call did not settle it.
_OUTCOME_OF_STATUS = {
    TransactionStatus.SUCCESS.value: SubmitOutcome.SUCCESS,
    TransactionStatus.PENDING.value: SubmitOutcome.IN_PROGRESS,
    TransactionStatus.HELD.value: SubmitOutcome.PENDING,
}


def _is_refusal(answer: Optional[Union[DebitResult, QueryResult]]) -> bool:
    """O'mari clearly said no, with a reason that proves the money did not move."""
    return (answer is not None and answer.decline_reason is not None
            and answer.decline_reason not in INCONCLUSIVE_REASONS)


class Settlement:
    """Moves one payment to the state O'mari's answers justify."""

    def __init__(self, store: BookingStore) -> None:
        self._store = store

    def settle(
        self, transaction: TransactionSnapshot, debit: Optional[DebitResult], query: QueryResult
    ) -> PaymentResult:
        """Credit on a confirmed Success with our amount and currency; hold a mismatch;
        fail only on a clear refusal; otherwise leave it pending for reconciliation.

        ``transaction`` is the caller's snapshot, which may be older than this
        call: only its reference, amount and currency are read, and those never
        change once the row is written. Every state change is a conditional
        update on the row as it is now.
        """
        transaction_reference = transaction.reference
        if query.outcome is Outcome.SUCCESS:
            if query.amount != transaction.amount or query.currency != transaction.currency:
                held = self._store.move_transaction(
                    transaction_reference,
                    from_statuses=list(OPEN_TRANSACTION_STATUSES),
                    to_status=TransactionStatus.HELD.value,
                    payment_reference=query.payment_reference,
                    response_code=query.response_code,
                    response_message="held for review: O'mari reports "
                    f"{query.currency} {query.amount}, we asked for {transaction.currency} {transaction.amount}",
                )
                if held:
                    metrics.payment_finished(TransactionStatus.HELD, transaction.customer_channel)
                    logger.error(
                        "HELD FOR REVIEW %s: O'mari reports %s %s, we asked for %s %s "
                        "(see `python -m payments.ops transactions --status held`)",
                        transaction_reference, query.currency, query.amount,
                        transaction.currency, transaction.amount,
                    )
                return self.result_for_status(transaction_reference)
            credited = self._store.credit_booking(
                transaction_reference,
                payment_reference=query.payment_reference
                or (debit.payment_reference if debit else None),
                debit_reference=query.debit_reference or (debit.debit_reference if debit else None),
                response_code=query.response_code,
                response_message=query.message,
            )
            if credited:
                self.count_credit(transaction)
            # Whether this call or a racing one credited it, it is now a success.
            return self.result_for_status(transaction_reference)

        clearly_declined = _is_refusal(query) or _is_refusal(debit)
        if clearly_declined:
            code = debit.response_code if debit and debit.response_code else query.response_code
            message = debit.message if debit else query.message
            if self.fail(
                transaction, TransactionStatus.PENDING, response_code=code, response_message=message[:255]
            ):
                return self.result(SubmitOutcome.DECLINED, transaction_reference)
            return self.result_for_status(transaction_reference)
        logger.warning("outcome of %s unknown; left pending for reconciliation", transaction_reference)
        return self.result(SubmitOutcome.PENDING, transaction_reference)

    def resolve_held(self, transaction_reference: str, decision: HeldDecision, note: str) -> HeldResolution:
        """A person's decision on a held payment: credit our amount, or fail it, exactly once.

        The only way out of ``held``: reconciliation leaves such payments alone.
        Both moves are conditional on the row still being held, so two people
        (or a person and a retry) resolving it at once change it once.
        """
        transaction = self._store.get_transaction(transaction_reference)
        if transaction is None or transaction.status != TransactionStatus.HELD.value:
            return HeldResolution(ResolveOutcome.NOT_HELD)
        response_message = f"resolved by hand: {note}"[:255]
        if decision is HeldDecision.CREDIT:
            # Our amount, never O'mari's differing one: that difference is why it was held.
            done = self._store.credit_booking(
                transaction_reference,
                payment_reference=transaction.payment_reference,
                debit_reference=transaction.debit_reference,
                response_code=transaction.response_code,
                response_message=response_message,
                from_statuses=[TransactionStatus.HELD.value],
            )
        else:
            done = self.fail(transaction, TransactionStatus.HELD, response_message=response_message)
        if not done:
            return HeldResolution(ResolveOutcome.SETTLED_MEANWHILE)
        if decision is HeldDecision.CREDIT:
            self.count_credit(transaction)
        logger.info("held payment %s resolved by hand: %s", transaction_reference, decision.value)
        return HeldResolution(ResolveOutcome.RESOLVED, self._store.get_transaction(transaction_reference))

    def result_for_status(self, transaction_reference: str) -> PaymentResult:
        """What the transaction's current state means for the customer, with that same snapshot."""
        transaction = self._store.get_transaction(transaction_reference)
        status = transaction.status if transaction else ""
        return PaymentResult(_OUTCOME_OF_STATUS.get(status, SubmitOutcome.CLOSED), transaction)

    def result(self, outcome: SubmitOutcome, transaction_reference: str, **extra) -> PaymentResult:
        return PaymentResult(outcome, self._store.get_transaction(transaction_reference), **extra)

    def fail(self, transaction: TransactionSnapshot, from_status: TransactionStatus, **fields: object) -> bool:
        """Move ``transaction`` from ``from_status`` to failed; whether this call did it."""
        failed = self._store.move_transaction(
            transaction.reference,
            from_statuses=[from_status.value],
            to_status=TransactionStatus.FAILED.value,
            **fields,
        )
        if failed:
            metrics.payment_finished(TransactionStatus.FAILED, transaction.customer_channel)
        return failed

    @staticmethod
    def count_credit(transaction: TransactionSnapshot) -> None:
        """Counted only by the one caller whose conditional update credited the booking."""
        metrics.payment_finished(TransactionStatus.SUCCESS, transaction.customer_channel)
        metrics.payment_credited(transaction.amount, transaction.currency)
