"""Answers given early, and answers changed later, in the payment form.

Customers say several things at once ("pay 50 usd for BK-T005-20260210 with
ecocash") and change their minds ("actually make it 30", "sorry wrong number,
use 0712000002"), at any question. This mixin of the form validator reads an
amount from such messages and, after each turn's answers are validated,
squares them with the earlier ones: an amount given before the booking is
checked once the booking is known, a new booking asks for the amount again,
and a changed answer after the OTP was sent voids that payment so a new one
starts with the right details.
"""
from __future__ import annotations

from typing import Any, Dict, List, Set, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.form.turn import ANSWER_INTENTS, PAYMENT_INPUTS, latest_intent, latest_text
from parsing import amount_mentioned
from payments.service import CancelOutcome, PaymentService
from actions.runtime import ServiceFailure, call_payments


class AnswerCorrections:
    """Mixed into ValidatePaymentForm, which provides validate_amount and the halts."""

    async def extract_amount(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Take an amount named in a reply to another question, or in the opening message.

        Not an entity: a slot mapping would take the last number in the
        message, which can be a phone number or a reference's digits. The
        amount question's own reply comes through its from_text mapping.
        At the OTP question only a correction ("actually make it 30") counts,
        so an OTP is never read as an amount.
        """
        intent = latest_intent(tracker)
        requested = tracker.get_slot("requested_slot")
        if intent not in ANSWER_INTENTS or requested == "amount":
            return {}
        if requested == "otp" and intent != "correct":
            return {}
        text = latest_text(tracker)
        return {"amount": text} if amount_mentioned(text, intent) else {}

    async def _after_answers(
        self,
        before: Dict[Text, Any],
        given: Set[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        """What this turn's answers mean for the ones given earlier."""
        updates: Dict[Text, Any] = {}
        booking = tracker.get_slot("booking_reference")
        changed = {
            slot for slot in PAYMENT_INPUTS
            if before[slot] and tracker.get_slot(slot) and tracker.get_slot(slot) != before[slot]
        }
        if "booking_reference" in changed and "amount" not in given:
            updates["amount"] = None  # chosen against another booking's balance: ask again
        early = tracker.get_slot("amount_given_early")
        if early and tracker.get_slot("amount"):
            updates["amount_given_early"] = None  # a later answer replaced it
        elif booking and early and "amount" not in updates:
            updates.update(await self.validate_amount(early, dispatcher, tracker, domain))
            updates["amount_given_early"] = None
        transaction_reference = tracker.get_slot("transaction_reference")
        if changed and transaction_reference and not tracker.get_slot("payment_outcome"):
            updates.update(await self._void_for_correction(transaction_reference, dispatcher))
        if latest_intent(tracker) == "correct" and not given and not dispatcher.messages:
            # "I want to change my number": say how, and keep the form going
            # (a form whose validator sets no slot would step aside).
            dispatcher.utter_message(response="utter_how_to_correct")
            updates["invalid_answers"] = tracker.get_slot("invalid_answers") or 0
        return [SlotSet(slot, value) for slot, value in updates.items()]

    async def _void_for_correction(
        self, transaction_reference: Text, dispatcher: CollectingDispatcher,
        response: Text = "utter_payment_restarted",
    ) -> Dict[Text, Any]:
        """Cancel the payment started with the old answers (or a code not received), so a new one can start."""
        try:
            outcome = await call_payments(PaymentService.cancel_payment, transaction_reference)
        except ServiceFailure:
            return self._halt_on_service_failure(dispatcher)
        if outcome is CancelOutcome.TOO_LATE:
            dispatcher.utter_message(response="utter_cancel_too_late")
            return {"payment_halt": "cancelled"}
        dispatcher.utter_message(response=response)
        return {"transaction_reference": None, "otp_reference": None}
