"""Cancelling the payment in progress from inside the form.

Three things cancel the transaction the OTP was requested for: a changed
answer (the payment must restart with it), "send me a new code" (a new one is
requested), and "cancel" typed at the OTP question. Once the OTP was
submitted it is too late: the money may have moved, and the customer is told so.
"""
from __future__ import annotations

from typing import Any, Text

from rasa_sdk.executor import CollectingDispatcher

from actions.form.halt import HaltReason, SlotValues, halt, halt_on_service_failure
from actions.runtime import ServiceFailure, call_payments
from payments.service import CancelOutcome, PaymentService


async def void_payment(
    transaction_reference: Text, dispatcher: CollectingDispatcher, response: Text = "utter_payment_restarted"
) -> SlotValues:
    """Cancel the payment started with the old answers (or a code not received), so a new one can start.

    The result has no ``payment_halt`` when a new payment may start.
    """
    try:
        outcome = await call_payments(PaymentService.cancel_payment, transaction_reference)
    except ServiceFailure:
        return halt_on_service_failure(dispatcher)
    if outcome is CancelOutcome.TOO_LATE:
        dispatcher.utter_message(response="utter_cancel_too_late")
        return halt(HaltReason.CANCELLED)
    dispatcher.utter_message(response=response)
    return {"transaction_reference": None, "otp_reference": None}


async def cancel_at_question(transaction_reference: Any, dispatcher: CollectingDispatcher) -> SlotValues:
    """"cancel" typed as an answer: end the form, saying whether it was in time."""
    try:
        outcome = await call_payments(PaymentService.cancel_payment, transaction_reference)
    except ServiceFailure:
        return halt_on_service_failure(dispatcher)
    response = "utter_cancel_too_late" if outcome is CancelOutcome.TOO_LATE else "utter_payment_cancelled"
    dispatcher.utter_message(response=response)
    return halt(HaltReason.CANCELLED)
