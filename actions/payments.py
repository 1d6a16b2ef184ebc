"""The money rules, in one place: how a payment moves through its states, and
when a booking is credited (which amounts a booking takes: actions/amount_rules.py).

Both the Rasa actions and the ops CLI go through :class:`PaymentService`; they
never touch SQL or O'mari's wire format themselves. Every method is blocking
(``requests`` + SQLAlchemy), so async callers run it in a worker thread.

The rule that matters most: a booking is credited only after ``GET /query``
confirms the debit with the amount and currency we asked for, and only by the
one caller whose conditional update settles the transaction. Anything we
cannot confirm stays ``pending`` for reconciliation instead of being called a
failure, because the customer's wallet may already have been debited.
"""
from __future__ import annotations

import enum
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Optional, Tuple

from actions.models import TransactionStatus, utc_now
from actions.omari import DebitResult, OmariClient, Outcome, QueryResult, mask_msisdn
from actions.snapshots import BookingSnapshot, TransactionSnapshot
from actions.store import BookingStore

logger = logging.getLogger(__name__)

WRONG_OTP_CODE = "055"
# Answers that sound final but do not prove the wallet was left alone: a
# "duplicate" may mean the first /request went through, and "not found" for a
# reference O'mari accepted at /auth is O'mari's confusion, not a refusal.
INCONCLUSIVE_CODES = {"026", "025"}
# O'mari codes we can explain to a customer; anything else is "declined".
DECLINE_REASONS = {
    "014": "not_registered",
    "051": "insufficient_funds",
    "055": "wrong_otp",
    "075": "otp_attempts_exceeded",
}
MAX_OTP_ATTEMPTS = 3
OTP_LIFETIME = timedelta(minutes=5)


class StartOutcome(str, enum.Enum):
    OTP_SENT = "otp_sent"
    NOT_REGISTERED = "not_registered"  # O'mari does not know this number
    DECLINED = "declined"
    UNAVAILABLE = "unavailable"  # O'mari did not answer clearly; nothing was charged
    BOOKING_CLOSED = "booking_closed"
    AMOUNT_REJECTED = "amount_rejected"


@dataclass(frozen=True)
class PaymentStart:
    outcome: StartOutcome
    transaction: Optional[TransactionSnapshot] = None


class SubmitOutcome(str, enum.Enum):
    SUCCESS = "success"
    WRONG_OTP = "wrong_otp"  # may try again on the same transaction
    OTP_ATTEMPTS_EXCEEDED = "otp_attempts_exceeded"
    OTP_EXPIRED = "otp_expired"
    DECLINED = "declined"
    PENDING = "pending"  # the debit may have happened; reconciliation will settle it
    IN_PROGRESS = "in_progress"  # another message is already submitting this OTP
    CLOSED = "closed"  # cancelled or failed earlier; needs a fresh payment


@dataclass(frozen=True)
class PaymentResult:
    outcome: SubmitOutcome
    transaction: Optional[TransactionSnapshot] = None
    otp_attempts_left: int = 0


class CancelOutcome(str, enum.Enum):
    CANCELLED = "cancelled"
    NOTHING_TO_CANCEL = "nothing_to_cancel"
    TOO_LATE = "too_late"  # already submitted: the money may have moved


def _is_refusal(outcome: Outcome, response_code: Optional[str]) -> bool:
    return outcome is Outcome.DECLINED and response_code not in INCONCLUSIVE_CODES


class PaymentService:
    """Starts, completes, cancels and settles O'mari payments against bookings."""

    def __init__(self, store: BookingStore, omari: OmariClient) -> None:
        self._store = store
        self._omari = omari

    def find_booking(self, lookup_key: str) -> Optional[BookingSnapshot]:
        return self._store.find_booking(lookup_key)

    def receipt(
        self, transaction_reference: Optional[str]
    ) -> Optional[Tuple[TransactionSnapshot, BookingSnapshot]]:
        """A transaction with its booking as it is now, for the customer's receipt."""
        if not transaction_reference:
            return None
        transaction = self._store.get_transaction(transaction_reference)
        if transaction is None:
            return None
        booking = self._store.find_booking_by_reference(transaction.booking_reference)
        return (transaction, booking) if booking else None

    def start_payment(
        self,
        *,
        sender_id: str,
        booking_lookup_key: str,
        amount: Decimal,
        customer_channel: str,
        msisdn: str,
    ) -> PaymentStart:
        """Create a transaction and ask O'mari to send the customer an OTP."""
        booking = self._store.find_booking(booking_lookup_key)
        if booking is None or not booking.accepts_payment:
            return PaymentStart(StartOutcome.BOOKING_CLOSED)
        # The balance may have changed since the form checked the amount.
        if amount <= 0 or amount > booking.balance_due:
            return PaymentStart(StartOutcome.AMOUNT_REJECTED)
        self._close_awaiting_otp(sender_id)

        reference = str(uuid.uuid4())
        self._store.create_transaction(
            reference=reference,
            booking_reference=booking.reference,
            sender_id=sender_id,
            msisdn=msisdn,
            amount=amount,
            currency=booking.currency,
            customer_channel=customer_channel,
        )
        auth = self._omari.authorise(msisdn, reference, amount, booking.currency)
        fields = dict(response_code=auth.response_code, response_message=auth.message[:255])
        if auth.outcome is Outcome.SUCCESS:
            self._store.move_transaction(
                reference,
                from_statuses=[TransactionStatus.INITIATED.value],
                to_status=TransactionStatus.OTP_SENT.value,
                otp_reference=auth.otp_reference,
                **fields,
            )
            return PaymentStart(StartOutcome.OTP_SENT, self._store.get_transaction(reference))
        # No /request was sent, so no money can have moved: failing is safe.
        self._fail(reference, TransactionStatus.INITIATED, **fields)
        logger.info("auth for %s on %s: %s", mask_msisdn(msisdn), reference, auth.outcome.value)
        if auth.outcome is Outcome.UNCERTAIN:
            return PaymentStart(StartOutcome.UNAVAILABLE, self._store.get_transaction(reference))
        if DECLINE_REASONS.get(auth.response_code or "") == "not_registered":
            return PaymentStart(StartOutcome.NOT_REGISTERED, self._store.get_transaction(reference))
        return PaymentStart(StartOutcome.DECLINED, self._store.get_transaction(reference))

    def submit_otp(self, transaction_reference: str, otp: str) -> PaymentResult:
        """Send the customer's OTP to O'mari and settle the payment if it went through."""
        transaction = self._store.get_transaction(transaction_reference)
        if transaction is None:
            return PaymentResult(SubmitOutcome.CLOSED)
        if transaction.status == TransactionStatus.OTP_SENT.value and self._otp_expired(transaction):
            self._fail(transaction_reference, TransactionStatus.OTP_SENT, response_message="OTP expired locally")
            return self._result(SubmitOutcome.OTP_EXPIRED, transaction_reference)
        # Claim the transaction: of two messages carrying the OTP, one wins.
        claimed = self._store.move_transaction(
            transaction_reference,
            from_statuses=[TransactionStatus.OTP_SENT.value],
            to_status=TransactionStatus.PENDING.value,
        )
        if not claimed:
            return self._result_for_unclaimable(transaction_reference)

        debit = self._omari.request_payment(transaction.msisdn, transaction_reference, otp)
        if debit.outcome is Outcome.DECLINED and debit.response_code == WRONG_OTP_CODE:
            return self._wrong_otp(transaction_reference)
        # Whatever /request said, O'mari's own record decides whether to credit.
        return self._settle(transaction_reference, debit, self._omari.query(transaction_reference))

    def reconcile(self, transaction_reference: str) -> PaymentResult:
        """Settle a transaction whose outcome we did not learn, from ``/query``."""
        transaction = self._store.get_transaction(transaction_reference)
        if transaction is None or transaction.status != TransactionStatus.PENDING.value:
            return self._result_for_unclaimable(transaction_reference)
        return self._settle(transaction_reference, None, self._omari.query(transaction_reference))

    def cancel_payment(self, transaction_reference: Optional[str]) -> CancelOutcome:
        """Close a payment the customer walked away from, before any debit."""
        if not transaction_reference:
            return CancelOutcome.NOTHING_TO_CANCEL
        transaction = self._store.get_transaction(transaction_reference)
        if transaction is None:
            return CancelOutcome.NOTHING_TO_CANCEL
        if transaction.status == TransactionStatus.PENDING.value:
            return CancelOutcome.TOO_LATE
        closed = self._store.move_transaction(
            transaction_reference,
            from_statuses=[TransactionStatus.INITIATED.value, TransactionStatus.OTP_SENT.value],
            to_status=TransactionStatus.CANCELLED.value,
        )
        if not closed:
            return CancelOutcome.NOTHING_TO_CANCEL
        self._void_if_not_debited(transaction_reference)
        return CancelOutcome.CANCELLED

    # -- internals -----------------------------------------------------------

    def _close_awaiting_otp(self, sender_id: str) -> None:
        """A new payment replaces one still waiting for its OTP."""
        for stale in self._store.list_transactions(
            statuses=[TransactionStatus.OTP_SENT.value], sender_id=sender_id
        ):
            self.cancel_payment(stale.reference)

    def _void_if_not_debited(self, transaction_reference: str) -> None:
        query = self._omari.query(transaction_reference)
        if query.outcome is Outcome.SUCCESS:
            # Cannot happen without a /request, but if O'mari says it was paid,
            # the money moved: hand it to reconciliation instead of hiding it.
            logger.error("cancelled transaction %s shows success at O'mari", transaction_reference)
            self._store.move_transaction(
                transaction_reference,
                from_statuses=[TransactionStatus.CANCELLED.value],
                to_status=TransactionStatus.PENDING.value,
            )
            return
        self._omari.void(transaction_reference)

    def _otp_expired(self, transaction: TransactionSnapshot) -> bool:
        # Counted from when O'mari sent the OTP; wrong tries do not extend it.
        return utc_now() - transaction.created_at > OTP_LIFETIME

    def _wrong_otp(self, transaction_reference: str) -> PaymentResult:
        attempts = self._store.count_wrong_otp(transaction_reference)
        if attempts >= MAX_OTP_ATTEMPTS:
            self._fail(
                transaction_reference,
                TransactionStatus.OTP_SENT,
                response_code=WRONG_OTP_CODE,
                response_message="too many wrong OTPs",
            )
            return self._result(SubmitOutcome.OTP_ATTEMPTS_EXCEEDED, transaction_reference)
        return self._result(
            SubmitOutcome.WRONG_OTP,
            transaction_reference,
            otp_attempts_left=MAX_OTP_ATTEMPTS - attempts,
        )

    def _settle(
        self, transaction_reference: str, debit: Optional[DebitResult], query: QueryResult
    ) -> PaymentResult:
        transaction = self._store.get_transaction(transaction_reference)
        assert transaction is not None
        if query.outcome is Outcome.SUCCESS:
            if query.amount != transaction.amount or query.currency != transaction.currency:
                logger.warning(
                    "held %s for review: O'mari reports %s %s, we asked for %s %s",
                    transaction_reference,
                    query.currency,
                    query.amount,
                    transaction.currency,
                    transaction.amount,
                )
                self._store.move_transaction(
                    transaction_reference,
                    from_statuses=[TransactionStatus.PENDING.value],
                    to_status=TransactionStatus.PENDING.value,
                    response_message="held for review: amount or currency mismatch",
                )
                return self._result(SubmitOutcome.PENDING, transaction_reference)
            self._store.credit_booking(
                transaction_reference,
                payment_reference=query.payment_reference
                or (debit.payment_reference if debit else None),
                debit_reference=query.debit_reference or (debit.debit_reference if debit else None),
                response_code=query.response_code,
                response_message=query.message,
            )
            # Whether this call or a racing one credited it, it is now a success.
            return self._result_for_unclaimable(transaction_reference)

        clearly_declined = _is_refusal(query.outcome, query.response_code) or (
            debit is not None and _is_refusal(debit.outcome, debit.response_code)
        )
        if clearly_declined:
            code = debit.response_code if debit and debit.response_code else query.response_code
            message = debit.message if debit else query.message
            self._fail(transaction_reference, TransactionStatus.PENDING, response_code=code, response_message=message[:255])
            return self._result(SubmitOutcome.DECLINED, transaction_reference)
        logger.warning("outcome of %s unknown; left pending for reconciliation", transaction_reference)
        return self._result(SubmitOutcome.PENDING, transaction_reference)

    def _result_for_unclaimable(self, transaction_reference: str) -> PaymentResult:
        transaction = self._store.get_transaction(transaction_reference)
        status = transaction.status if transaction else None
        outcome = {
            TransactionStatus.SUCCESS.value: SubmitOutcome.SUCCESS,
            TransactionStatus.PENDING.value: SubmitOutcome.IN_PROGRESS,
        }.get(status or "", SubmitOutcome.CLOSED)
        return self._result(outcome, transaction_reference)

    def _result(self, outcome: SubmitOutcome, transaction_reference: str, **extra) -> PaymentResult:
        return PaymentResult(outcome, self._store.get_transaction(transaction_reference), **extra)

    def _fail(self, transaction_reference: str, from_status: TransactionStatus, **fields: object) -> bool:
        return self._store.move_transaction(
            transaction_reference,
            from_statuses=[from_status.value],
            to_status=TransactionStatus.FAILED.value,
            **fields,
        )
