"""The payment form's OTP question: accepting the code submits the payment.

Kept apart from the other questions because it is the one answer that moves
money (POST /request, then GET /query decides), and the one that must never
be guessed: a cancel, or a correction typed at this question, is never sent
to O'mari as a code.
"""
from __future__ import annotations

from typing import Any, Dict, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.form.turn import gave_another_answer
from parsing import InvalidInput, is_cancel_request, parse_otp
from payments.service import CancelOutcome, PaymentService, SubmitOutcome
from actions.runtime import ServiceFailure, StoreUnavailable, call_payments, settings


class OtpQuestion:
    """Mixed into ValidatePaymentForm, which provides _reject and the halts."""

    # -- OTP: accepting it submits the payment (POST /request, GET /query) ---------

    async def validate_otp(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = str(value)
        transaction_reference = tracker.get_slot("transaction_reference")
        if is_cancel_request(text):
            # NLU should have routed this to the cancel rule; never send it to O'mari.
            return await self._cancel_from_question(transaction_reference, dispatcher)
        if gave_another_answer(tracker, "otp"):
            # "use 0712000002" at the OTP question is a correction, not a code:
            # sending it to O'mari would cost the customer an attempt.
            return {"otp": None}
        try:
            otp = parse_otp(text)
        except InvalidInput:
            return self._reject("otp", dispatcher, tracker, "utter_invalid_otp")
        if not transaction_reference:
            return {"otp": None, "payment_halt": "payment_closed"}
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
            return {"otp": None, "payment_halt": "service_error"}
        if result.outcome is SubmitOutcome.WALLET_OTP_LIMIT:
            halt = self._halt_on_limit(
                dispatcher, "utter_wallet_otp_limit_reached", result.retry_after, "wallet_otp_limit"
            )
            return {"otp": None, **halt}
        if result.outcome is SubmitOutcome.WRONG_OTP:
            dispatcher.utter_message(
                response="utter_wrong_otp",
                otp_reference=tracker.get_slot("otp_reference"),
                attempts_left=result.otp_attempts_left,
            )
            return {"otp": None}
        return {"otp": None, "payment_outcome": result.outcome.value}

    async def _cancel_from_question(
        self, transaction_reference: Any, dispatcher: CollectingDispatcher
    ) -> Dict[Text, Any]:
        try:
            outcome = await call_payments(PaymentService.cancel_payment, transaction_reference)
        except ServiceFailure:
            return {"otp": None, **self._halt_on_service_failure(dispatcher)}
        response = "utter_cancel_too_late" if outcome is CancelOutcome.TOO_LATE else "utter_payment_cancelled"
        dispatcher.utter_message(response=response)
        return {"otp": None, "payment_halt": "cancelled"}
