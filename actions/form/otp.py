"""The payment form's OTP question: accepting the code submits the payment.

Kept apart from the other questions because it is the one answer that moves
money (POST /request, then GET /query decides), and the one that must never
be guessed: a cancel, or a correction typed at this question, is never sent
to O'mari as a code.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.form.cancellation import cancel_at_question
from actions.form.halt import HaltReason, SlotValues, halt, halt_on_limit
from actions.form.rejection import reject
from actions.form.turn import gave_another_answer
from actions.runtime import ServiceFailure, StoreUnavailable, call_payments, settings
from parsing import InvalidInput, is_cancel_request, parse_otp
from payments.service import PaymentService, SubmitOutcome


class OtpQuestion:
    """Validates the ``otp`` answer by submitting it (POST /request, GET /query)."""

    async def validate(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> SlotValues:
        text = str(value)
        transaction_reference = tracker.get_slot("transaction_reference")
        if is_cancel_request(text):
            # NLU should have routed this to the cancel rule; never send it to O'mari.
            return {"otp": None, **await cancel_at_question(transaction_reference, dispatcher)}
        if gave_another_answer(tracker, "otp"):
            # "use 0712000002" at the OTP question is a correction, not a code:
            # sending it to O'mari would cost the customer an attempt.
            return {"otp": None}
        try:
            otp = parse_otp(text)
        except InvalidInput:
            return reject("otp", dispatcher, tracker, "utter_invalid_otp")
        if not transaction_reference:
            return {"otp": None, **halt(HaltReason.PAYMENT_CLOSED)}
        try:
            result = await call_payments(PaymentService.submit_otp, transaction_reference, otp)
        except StoreUnavailable:
            # The database decides whether it went through: the code sent again finds out.
            dispatcher.utter_message(response="utter_store_unavailable")
            return {"otp": None}
        except ServiceFailure:
            # The OTP may have reached O'mari: never say nothing was charged.
            dispatcher.utter_message(
                response="utter_service_error_after_otp", support_contact=settings().support_contact
            )
            return {"otp": None, **halt(HaltReason.SERVICE_ERROR)}
        if result.outcome is SubmitOutcome.WALLET_OTP_LIMIT:
            limited = halt_on_limit(
                dispatcher, tracker, "utter_wallet_otp_limit_reached", result.retry_after, HaltReason.WALLET_OTP_LIMIT
            )
            return {"otp": None, **limited}
        if result.outcome is SubmitOutcome.WRONG_OTP:
            dispatcher.utter_message(
                response="utter_wrong_otp",
                otp_reference=tracker.get_slot("otp_reference"),
                attempts_left=result.otp_attempts_left,
            )
            return {"otp": None}
        return {"otp": None, "payment_outcome": result.outcome.value}
