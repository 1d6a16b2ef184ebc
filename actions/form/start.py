"""Starting the payment (POST /auth) once the form knows everything it needs.

The start is its own step, not part of a question, because it happens the
moment booking, amount, channel and number are all known, whichever order
the customer gave them in, and again when a new OTP is asked for.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.form.halt import (
    HALT_SLOT,
    HaltReason,
    SlotValues,
    halt,
    halt_on_limit,
    halt_on_service_failure,
)
from actions.form.confirmation import is_confirmed
from actions.form.reading import CONFIRMATION_SLOT
from actions.form.rejection import invalid_answers
from actions.languages import conversation_language
from actions.presentation import format_money, mask_phone_for_customer
from actions.runtime import ServiceFailure, call_payments, settings
from actions.languages import say_window
from parsing import booking_reference_key
from payments.service import PaymentService, PaymentStart, StartOutcome

# The form ends with these outcomes; what to say is decided when it concludes.
_HALT_OF_OUTCOME = {
    StartOutcome.UNAVAILABLE: HaltReason.OMARI_UNAVAILABLE,
    StartOutcome.DECLINED: HaltReason.DECLINED,
    StartOutcome.BOOKING_CLOSED: HaltReason.DECLINED,
    StartOutcome.AMOUNT_REJECTED: HaltReason.DECLINED,
}
_NEEDED = ("booking_reference", "amount", "payment_channel", "phone_number")
_BLOCKERS = ("transaction_reference", HALT_SLOT, "payment_outcome")


class PaymentStarter:
    """Asks O'mari for the OTP of the payment the form's answers describe."""

    @staticmethod
    def is_ready(tracker: Tracker) -> bool:
        """All four answers are known, the customer said yes to exactly these, and no payment is open or ended."""
        return all(tracker.get_slot(slot) for slot in _NEEDED) and is_confirmed(tracker) and not any(
            tracker.get_slot(slot) for slot in _BLOCKERS
        )

    async def start(self, msisdn: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> SlotValues:
        try:
            start = await call_payments(
                PaymentService.start_payment,
                sender_id=tracker.sender_id,
                booking_lookup_key=booking_reference_key(tracker.get_slot("booking_reference")),
                amount=Decimal(tracker.get_slot("amount")),
                customer_channel=tracker.get_slot("payment_channel"),
                msisdn=msisdn,
                language=conversation_language(tracker),
            )
        except ServiceFailure as failure:
            return halt_on_service_failure(dispatcher, failure, "phone_number")
        if start.outcome is StartOutcome.OTP_SENT:
            transaction = start.transaction
            assert transaction is not None  # set with OTP_SENT (payments/outcomes.py)
            dispatcher.utter_message(
                response="utter_otp_sent",
                masked_phone=mask_phone_for_customer(msisdn),
                amount=format_money(transaction.amount, transaction.currency),
                otp_reference=transaction.otp_reference,
            )
            return {
                "phone_number": msisdn,
                "transaction_reference": transaction.reference,
                "otp_reference": transaction.otp_reference,
                "invalid_answers": 0,
            }
        if start.outcome is StartOutcome.LIMIT_REACHED:
            limit = start.limit
            assert limit is not None  # set with LIMIT_REACHED
            limited = halt_on_limit(
                dispatcher,
                tracker,
                f"utter_otp_limit_reached_{limit.scope.value}",
                start.retry_after,
                HaltReason.OTP_LIMIT_REACHED,
                limit=limit.count,
                window=say_window(tracker, limit.window),
            )
            return {"phone_number": msisdn, **limited}
        if start.outcome is StartOutcome.LOOKUPS_PAUSED:
            paused = halt_on_limit(
                dispatcher, tracker, "utter_booking_lookups_paused", start.retry_after, HaltReason.LOOKUPS_PAUSED
            )
            return {"booking_reference": None, **paused}
        if start.outcome is StartOutcome.BALANCE_IN_PROGRESS:
            return self._balance_in_progress(start, dispatcher, tracker)
        if start.outcome is StartOutcome.NOT_REGISTERED:
            # Asked after the yes, so the number is no answer to the question open now:
            # it is cleared and asked again (and said back again before a new OTP).
            dispatcher.utter_message(
                response="utter_phone_not_registered", masked_phone=mask_phone_for_customer(msisdn)
            )
            return {"phone_number": None, CONFIRMATION_SLOT: None, "invalid_answers": invalid_answers(tracker) + 1}
        return {"phone_number": msisdn, **halt(_HALT_OF_OUTCOME[start.outcome])}

    @staticmethod
    def _balance_in_progress(start: PaymentStart, dispatcher: CollectingDispatcher, tracker: Tracker) -> SlotValues:
        """Another payment holds the balance: say how much, and ask again for what is left, if anything."""
        assert start.in_progress is not None and start.available is not None and start.currency is not None
        booking_reference: Text = tracker.get_slot("booking_reference")
        in_progress = format_money(start.in_progress, start.currency)
        if start.available <= 0:
            dispatcher.utter_message(
                response="utter_balance_in_progress_nothing_left",
                in_progress=in_progress,
                booking_reference=booking_reference,
                support_contact=settings().support_contact,
            )
            return halt(HaltReason.BALANCE_IN_PROGRESS)
        dispatcher.utter_message(
            response="utter_balance_in_progress_some_left",
            in_progress=in_progress,
            booking_reference=booking_reference,
            available=format_money(start.available, start.currency),
        )
        return {"amount": None, CONFIRMATION_SLOT: None}
