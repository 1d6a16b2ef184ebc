"""Payments whose ``/request`` never reached O'mari: voided there, then failed here.

A ``/request`` refused by the connection or answered 5xx by a gateway leaves
the payment ``pending``, rightly: from the answer alone, the wallet may have
been debited. ``/query`` settles most of them. But when the request never got
to O'mari, ``/query`` keeps answering that it holds the authorisation only
(status ``Pending``: no debit) for ever, and without this module the payment
stayed pending, its amount reserved, the customer never told.

The rule (shared/omari-merchant-api.md: "never void a transaction that may
have succeeded without querying it first"):

1. only a payment ``pending`` for at least ``PaymentPolicy.void_unrequested_after``
   (``PENDING_VOID_AFTER_SECONDS``, 30 minutes): far beyond any ``/request``
   still in flight (the client's read timeout is 30 s) and the OTP's lifetime;
2. only when ``/query`` answers clearly, about our reference, with the
   authorisation only (``QueryResult.authorised_only``); a timeout, a 5xx,
   an unreadable answer or another status leaves it pending;
3. ``/void`` first, and only if O'mari accepts it: from then on a late
   ``/request`` cannot debit;
4. then ``/query`` again, and O'mari's record decides: a final failure
   (``Voided``) fails the payment; a Success is credited as usual; anything
   else leaves it pending for the next run.

A person can apply the same rule at once, without the wait, with
``python -m payments.ops void-unrequested REF`` (``ops stuck`` lists them).
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Optional

from payments.omari import OmariClient, Outcome, QueryResult
from payments.outcomes import PaymentResult, SubmitOutcome
from payments.settlement import Settlement
from payments.snapshots import TransactionSnapshot
from payments.store.models import TransactionStatus, utc_now

logger = logging.getLogger("payments.service")

def pending_for(transaction: TransactionSnapshot) -> timedelta:
    """How long the payment has been pending: its row last changed when its OTP was claimed for /request."""
    return utc_now() - transaction.updated_at


class UnrequestedPayments:
    """Voids at O'mari, then fails, a pending payment O'mari shows was never requested."""

    def __init__(self, omari: OmariClient, settlement: Settlement, wait: timedelta) -> None:
        self._omari = omari
        self._settlement = settlement
        self._wait = wait

    def is_due(self, transaction: TransactionSnapshot, query: QueryResult, wait: Optional[timedelta] = None) -> bool:
        """O'mari holds only the authorisation, and the payment has been pending long enough."""
        return (transaction.status == TransactionStatus.PENDING.value and query.authorised_only
                and pending_for(transaction) >= (self._wait if wait is None else wait))

    def void_and_fail(self, transaction: TransactionSnapshot) -> PaymentResult:
        """Steps 3 and 4 of the module's rule; the caller checked steps 1 and 2."""
        reference = transaction.reference
        void = self._omari.void(reference)
        if void.outcome is not Outcome.SUCCESS:
            logger.warning("not failing %s: O'mari did not accept the void (%s); left pending", reference,
                           void.message)
            return self._settlement.result(SubmitOutcome.PENDING, reference)
        after = self._omari.query(reference)
        if after.outcome is Outcome.DECLINED and after.status is not None:
            failed = self._settlement.fail(
                transaction, TransactionStatus.PENDING,
                response_message=f"/request never reached O'mari; voided after {pending_for(transaction)} pending",
            )
            if failed:
                logger.warning("VOIDED %s: /request never reached O'mari; failed, nothing was debited", reference)
                return self._settlement.result(SubmitOutcome.VOIDED, reference)
            return self._settlement.result_for_status(reference)
        # Success (it was debited after all: credited once) or still unclear (left pending).
        return self._settlement.settle(transaction, None, after)
