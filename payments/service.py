"""The money rules, in one place: how a payment moves through its states, and
when a booking is credited (which amounts a booking takes: payments/amount_rules.py).

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

import logging
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import List, Optional, Tuple

from parsing.language import Language
from payments import metrics
from payments.limits.policy import RequestLimitReached
from payments.amount_rules import BalanceReserved
from payments.limits.lookups import BookingLookupLimiter, DatabaseLookupLimiter
from payments.store.models import TransactionStatus, utc_now
from payments.notifications.outbox import NotificationOutbox
from payments.omari import DebitResult, OmariClient, Outcome, QueryResult, mask_msisdn
from payments.outcomes import (  # noqa: F401 - re-exported: callers import them from here
    INCONCLUSIVE_REASONS,
    MAX_OTP_ATTEMPTS,
    OTP_LIFETIME,
    BookingLookup,
    CancelOutcome,
    DeclineReason,
    HeldDecision,
    HeldResolution,
    LookupOutcome,
    PaymentPolicy,
    PaymentResult,
    PaymentStart,
    RefundOutcome,
    ResolveOutcome,
    StartOutcome,
    SubmitOutcome,
)
from payments.settings import load_settings
from payments.settlement import Settlement
from payments.unrequested import UnrequestedPayments
from payments.snapshots import BookingSnapshot, TransactionSnapshot
from payments.store.repository import BookingStore

logger = logging.getLogger(__name__)

# States a payment can be left in before the OTP is sent to O'mari: no /request
# has gone out, so no money can have moved.
_BEFORE_REQUEST = (TransactionStatus.INITIATED.value, TransactionStatus.OTP_SENT.value)
# What a payment the customer was told was unconfirmed can settle into: each is told to them.
_TOLD_WHEN_SETTLED = (TransactionStatus.SUCCESS.value, TransactionStatus.FAILED.value, TransactionStatus.HELD.value)
# Wrong OTPs on a wallet are counted over the payments of the last day.
WALLET_GUESS_WINDOW = timedelta(days=1)


class PaymentService:
    """Starts, completes, cancels and settles O'mari payments against bookings."""

    def __init__(
        self,
        store: BookingStore,
        omari: OmariClient,
        policy: Optional[PaymentPolicy] = None,
        lookup_limiter: Optional[BookingLookupLimiter] = None,
    ) -> None:
        self._store = store
        self._omari = omari
        self._policy = policy if policy is not None else PaymentPolicy.from_settings(load_settings())
        self._lookups = lookup_limiter if lookup_limiter is not None else DatabaseLookupLimiter(store)
        self._outbox = NotificationOutbox(store)
        settlement = Settlement(store)
        # The settling steps, shared with reconciliation (payments/settlement.py).
        self._settle = settlement.settle
        self._result = settlement.result
        self._result_for_unclaimable = settlement.result_for_status
        self._fail = settlement.fail
        self._resolve_held = settlement.resolve_held
        self._unrequested = UnrequestedPayments(omari, settlement, self._policy.void_unrequested_after)

    def look_up_booking(self, sender_id: str, lookup_key: str) -> BookingLookup:
        """A reference the customer typed, counted against enumeration (payments/limits/lookups.py).

        The only way the conversation looks a booking up (the form, the balance
        answer, the start of a payment, a fresh OTP through the form): there is
        deliberately no uncounted lookup on this service, so none can be added
        by accident. A chat past its limit of unknown references gets no lookup
        at all, not even of a real booking, until the limit's window lets it
        try again.
        """
        limit = self._policy.booking_lookup_limit
        if limit is not None:
            try:
                self._lookups.refuse_if_locked_out(sender_id, limit)
            except RequestLimitReached as refused:
                logger.warning("booking lookups refused for sender %s: %s", mask_msisdn(sender_id), refused)
                metrics.limit_refused("booking_lookups")
                return BookingLookup(LookupOutcome.LOCKED_OUT, retry_after=refused.retry_after)
        booking = self._store.find_booking(lookup_key)
        if booking is not None:
            return BookingLookup(LookupOutcome.FOUND, booking)
        if limit is not None:
            self._lookups.record_miss(sender_id, limit)
        return BookingLookup(LookupOutcome.UNKNOWN)

    def receipt(
        self, transaction_reference: Optional[str]
    ) -> Optional[Tuple[TransactionSnapshot, BookingSnapshot]]:
        """A transaction with its booking as it is now, for the customer's receipt."""
        if not transaction_reference:
            return None
        return self._store.transaction_with_booking(transaction_reference)

    def start_payment(
        self,
        *,
        sender_id: str,
        booking_lookup_key: str,
        amount: Decimal,
        customer_channel: str,
        msisdn: str,
        language: Optional[Language] = None,
    ) -> PaymentStart:
        """Create a transaction and ask O'mari to send the customer an OTP.

        ``language`` is the conversation's (the form passes it): kept on the
        transaction so ops see it and a notice told later can be in it.
        """
        lookup = self.look_up_booking(sender_id, booking_lookup_key)
        if lookup.outcome is LookupOutcome.LOCKED_OUT:
            return PaymentStart(StartOutcome.LOOKUPS_PAUSED, retry_after=lookup.retry_after)
        booking = lookup.booking
        if booking is None or not booking.accepts_payment:
            return PaymentStart(StartOutcome.BOOKING_CLOSED)
        # The balance may have changed since the form checked the amount.
        if amount <= 0 or amount > booking.balance_due:
            return PaymentStart(StartOutcome.AMOUNT_REJECTED)

        reference = str(uuid.uuid4())
        try:
            created, replaced = self._store.create_transaction(
                reference=reference,
                booking_reference=booking.reference,
                sender_id=sender_id,
                msisdn=msisdn,
                amount=amount,
                currency=booking.currency,
                customer_channel=customer_channel,
                limits=self._policy.request_limits,
                otp_lifetime=self._policy.otp_lifetime,
                language=language,
            )
        except RequestLimitReached as refused:
            logger.warning(
                "OTP request refused for sender %s, wallet %s: %s",
                mask_msisdn(sender_id), mask_msisdn(msisdn), refused,
            )
            metrics.otp_request_limit_refused(refused.limit.scope)
            return PaymentStart(StartOutcome.LIMIT_REACHED, limit=refused.limit, retry_after=refused.retry_after)
        except BalanceReserved as reserved:
            logger.info("payment of %s on %s refused: %s", amount, booking.reference, reserved)
            return PaymentStart(
                StartOutcome.BALANCE_IN_PROGRESS,
                in_progress=reserved.in_progress,
                available=reserved.available,
                currency=booking.currency,
            )
        metrics.payment_started(customer_channel)
        for earlier in replaced:
            # Closed in the new payment's own write: only the void at O'mari is left.
            self._count_replaced(earlier)
            self._void_if_not_debited(earlier)
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
        self._fail(created, TransactionStatus.INITIATED, **fields)
        logger.info("auth for %s on %s: %s", mask_msisdn(msisdn), reference, auth.outcome.value)
        if auth.outcome is Outcome.UNCERTAIN:
            return PaymentStart(StartOutcome.UNAVAILABLE, self._store.get_transaction(reference))
        if auth.decline_reason is DeclineReason.NOT_REGISTERED:
            return PaymentStart(StartOutcome.NOT_REGISTERED, self._store.get_transaction(reference))
        return PaymentStart(StartOutcome.DECLINED, self._store.get_transaction(reference))

    def submit_otp(self, transaction_reference: str, otp: str) -> PaymentResult:
        """Send the customer's OTP to O'mari and settle the payment if it went through."""
        transaction = self._store.get_transaction(transaction_reference)
        if transaction is None:
            return PaymentResult(SubmitOutcome.CLOSED)
        if transaction.status == TransactionStatus.OTP_SENT.value and self._otp_expired(transaction):
            self._fail(transaction, TransactionStatus.OTP_SENT, response_message="OTP expired locally")
            return self._result(SubmitOutcome.OTP_EXPIRED, transaction_reference)
        # Claim the transaction: of two messages carrying the OTP, one wins; and
        # none does once the wallet had its wrong OTPs for the day (same UPDATE).
        claimed = self._store.claim_for_request(
            transaction, self._policy.wrong_otps_per_wallet_per_day, utc_now() - WALLET_GUESS_WINDOW,
            requested_after=utc_now() - self._policy.otp_lifetime,
        )
        if not claimed:
            return self._refused_claim(transaction_reference)

        debit = self._omari.request_payment(transaction.msisdn, transaction_reference, otp)
        if debit.decline_reason is DeclineReason.WRONG_OTP:
            return self._wrong_otp(transaction, debit)
        # Whatever /request said, O'mari's own record decides whether to credit.
        try:
            return self._settle(transaction, debit, self._omari.query(transaction_reference))
        except Exception:  # the money may have moved: never report this as a failure
            logger.exception("settling %s failed; left pending for reconciliation", transaction_reference)
            return PaymentResult(SubmitOutcome.PENDING, self._store.get_transaction(transaction_reference))

    def reconcile(
        self, transaction_reference: str, void_unrequested_after: Optional[timedelta] = None
    ) -> PaymentResult:
        """Settle a transaction whose outcome we did not learn, from ``/query``.

        Handles ``pending`` payments and ones left before ``/request`` past the
        OTP's lifetime. A pending payment whose ``/request`` never reached
        O'mari is voided there and failed once it has waited
        ``void_unrequested_after`` (the policy's, unless a person passes
        another: payments/unrequested.py). Every change is a conditional
        update, so any number of reconcilers and conversations may race on
        one transaction.
        """
        transaction = self._store.get_transaction(transaction_reference)
        if transaction is None:
            return PaymentResult(SubmitOutcome.CLOSED)
        if transaction.status == TransactionStatus.PENDING.value:
            query = self._omari.query(transaction_reference)
            if self._unrequested.is_due(transaction, query, void_unrequested_after):
                result = self._unrequested.void_and_fail(transaction)
            else:
                result = self._settle(transaction, None, query)
            settled = result.transaction
            if settled is not None and settled.status in _TOLD_WHEN_SETTLED:
                # The customer was told it is being confirmed: they hear how it ended
                # (payments/notifications/notifier.py).
                self._outbox.add_due(settled.reference, settled.sender_id)
            return result
        if transaction.status in _BEFORE_REQUEST and self._otp_expired(transaction):
            return self._close_stale(transaction)
        return self._result_for_unclaimable(transaction_reference)

    def reconcile_all(self) -> List[Tuple[str, SubmitOutcome]]:
        """Reconcile every pending payment and every stale one that never got its OTP."""
        candidates = [
            t for t in self._store.list_transactions(
                statuses=[TransactionStatus.PENDING.value, *_BEFORE_REQUEST]
            )
            if t.status == TransactionStatus.PENDING.value or self._otp_expired(t)
        ]
        return [(t.reference, self._reconcile_or_skip(t.reference)) for t in candidates]

    def _reconcile_or_skip(self, transaction_reference: str) -> SubmitOutcome:
        """One payment's settling failing (a database error, a field too long) must not stop the run."""
        try:
            return self.reconcile(transaction_reference).outcome
        except Exception:  # logged with its reference; the others still settle
            logger.exception("reconcile: settling %s failed; skipped, tried again next run", transaction_reference)
            return SubmitOutcome.SKIPPED

    def pending_payments(self) -> List[Tuple[TransactionSnapshot, QueryResult]]:
        """Every pending payment with what O'mari says of it now, for `ops stuck`."""
        pending = self._store.list_transactions(statuses=[TransactionStatus.PENDING.value])
        return [(transaction, self._omari.query(transaction.reference)) for transaction in pending]

    def latest_payment(self, sender_id: str) -> Optional[Tuple[TransactionSnapshot, BookingSnapshot]]:
        """The sender's most recent payment and its booking, for "did my payment go through?"."""
        return self._store.latest_transaction(sender_id)

    def otp_expired(self, transaction: TransactionSnapshot) -> bool:
        return self._otp_expired(transaction)

    def cancel_payment(self, transaction_reference: Optional[str]) -> CancelOutcome:
        """Close a payment the customer walked away from, before any debit."""
        if not transaction_reference:
            return CancelOutcome.NOTHING_TO_CANCEL
        transaction = self._store.get_transaction(transaction_reference)
        if transaction is None:
            return CancelOutcome.NOTHING_TO_CANCEL
        if transaction.status in (TransactionStatus.PENDING.value, TransactionStatus.HELD.value):
            return CancelOutcome.TOO_LATE
        closed = self._store.move_transaction(
            transaction_reference,
            from_statuses=[TransactionStatus.INITIATED.value, TransactionStatus.OTP_SENT.value],
            to_status=TransactionStatus.CANCELLED.value,
        )
        if not closed:
            return CancelOutcome.NOTHING_TO_CANCEL
        metrics.payment_finished(TransactionStatus.CANCELLED, transaction.customer_channel)
        self._void_if_not_debited(transaction_reference)
        return CancelOutcome.CANCELLED

    def resolve_held(self, transaction_reference: str, decision: HeldDecision, note: str = "") -> HeldResolution:
        """A person's decision on a payment held for review (payments/settlement.py): credited or failed once."""
        return self._resolve_held(transaction_reference, decision, note)

    def mark_overpaid_refunded(self, booking_reference: str, excess: Decimal) -> RefundOutcome:
        """A person refunded a booking's overpaid ``excess`` (outside O'mari's API): record it once.

        The excess leaves ``amount_paid``, so the audit's rule still holds
        (paid == opening + payments - refunds <= total). Only the exact excess
        the person saw is accepted; anything else changes nothing.
        """
        if excess <= 0 or excess != excess.quantize(Decimal("0.01")):
            return RefundOutcome.NOT_OVERPAID
        if not self._store.refund_overpayment(booking_reference, excess):
            return RefundOutcome.NOT_OVERPAID
        logger.info("overpaid excess %s on booking %s marked refunded", excess, booking_reference)
        return RefundOutcome.REFUNDED

    # -- internals -----------------------------------------------------------

    def _close_stale(self, transaction: TransactionSnapshot) -> PaymentResult:
        """Close a payment whose OTP expired unused; no /request went out for it."""
        query = self._omari.query(transaction.reference)
        if query.outcome is Outcome.SUCCESS:
            # Cannot happen without our /request, but if O'mari says the money
            # moved, it is credited (or held) rather than hidden.
            return self._settle(transaction, None, query)
        closed = self._store.move_transaction(
            transaction.reference,
            from_statuses=[transaction.status],
            to_status=TransactionStatus.FAILED.value,
            response_message="OTP expired unused; closed by reconciliation",
        )
        if closed:
            metrics.payment_finished(TransactionStatus.FAILED, transaction.customer_channel)
            if query.outcome is Outcome.DECLINED or query.status is not None:
                self._omari.void(transaction.reference)
            return self._result(SubmitOutcome.OTP_EXPIRED, transaction.reference)
        return self._result_for_unclaimable(transaction.reference)

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
        if query.outcome is Outcome.DECLINED or query.status is not None:
            # O'mari has answered about this transaction, and not with Success.
            self._omari.void(transaction_reference)
        else:
            # O'mari could not say; no /request went out, so nothing can be
            # debited, and voiding blind is what the issue forbids.
            logger.warning("not voiding %s: /query did not answer (%s)", transaction_reference, query.message)

    def _otp_expired(self, transaction: TransactionSnapshot) -> bool:
        # Counted from when O'mari sent the OTP; wrong tries do not extend it.
        return utc_now() - transaction.created_at > self._policy.otp_lifetime

    def _refused_claim(self, transaction_reference: str) -> PaymentResult:
        """Why the OTP could not be sent: taken by another message, closed, or the wallet's guesses spent."""
        transaction = self._store.get_transaction(transaction_reference)
        cap = self._policy.wrong_otps_per_wallet_per_day
        if transaction is None or transaction.status != TransactionStatus.OTP_SENT.value or cap is None:
            return self._result_for_unclaimable(transaction_reference)
        wrong, oldest = self._store.wrong_otps_on_wallet(
            transaction.msisdn, utc_now() - WALLET_GUESS_WINDOW, transaction.sender_id
        )
        if wrong < cap:  # another message had it and gave it back meanwhile
            return self._result_for_unclaimable(transaction_reference)
        logger.warning("wrong OTPs on wallet %s reached %d today: %s closed without /request",
                       mask_msisdn(transaction.msisdn), cap, transaction_reference)
        metrics.limit_refused("wrong_otps_wallet")
        self._fail(
            transaction,
            TransactionStatus.OTP_SENT,
            response_message="too many wrong OTPs on this wallet today",
        )
        retry_after = (oldest + WALLET_GUESS_WINDOW - utc_now()) if oldest else WALLET_GUESS_WINDOW
        return self._result(SubmitOutcome.WALLET_OTP_LIMIT, transaction_reference, retry_after=retry_after)

    def _count_replaced(self, transaction_reference: str) -> None:
        """A payment still waiting for its OTP, cancelled by the sender's new one (rare: one read)."""
        earlier = self._store.get_transaction(transaction_reference)
        if earlier is not None:
            metrics.payment_finished(TransactionStatus.CANCELLED, earlier.customer_channel)

    def _wrong_otp(self, transaction: TransactionSnapshot, debit: DebitResult) -> PaymentResult:
        transaction_reference = transaction.reference
        attempts = self._store.count_wrong_otp(transaction_reference)
        if attempts >= MAX_OTP_ATTEMPTS:
            self._fail(
                transaction,
                TransactionStatus.OTP_SENT,
                response_code=debit.response_code,  # O'mari's own code, kept on the row as it came
                response_message="too many wrong OTPs",
            )
            return self._result(SubmitOutcome.OTP_ATTEMPTS_EXCEEDED, transaction_reference)
        return self._result(
            SubmitOutcome.WRONG_OTP,
            transaction_reference,
            otp_attempts_left=MAX_OTP_ATTEMPTS - attempts,
        )
