"""Answers to questions asked at any time, also in the middle of a payment.

Most are fixed texts (domain.yml, utter_about_*); the balance needs the
booking, so it is an action. Inside the payment form the turn reader
(actions/form/reader.py) answers them itself and the form asks its question again.
Outside it, the classifier's intent alone is not enough: the message must be
about a booking or a payment, else the out-of-scope answer is given.
"""
from __future__ import annotations

from datetime import timedelta
from typing import List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.form.turn import latest_text
from parsing import find_booking_reference_key
from parsing.evidence import backs_a_balance
from payments.service import LookupOutcome, PaymentService
from actions.presentation import tell_booking_summary
from actions.runtime import ServiceFailure, apologise, call_payments, settings
from actions.languages import say_wait


def _reference_asked_about(tracker: Tracker) -> Optional[Text]:
    """The booking named in the question itself, else the one the payment is for."""
    named = find_booking_reference_key(str((tracker.latest_message or {}).get("text") or ""))
    return named or tracker.get_slot("booking_reference")


class ActionAnswerBalance(Action):
    """Says what is still due on the customer's booking ("what's my balance?")."""

    def name(self) -> Text:
        return "action_answer_balance"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        in_payment = (tracker.active_loop or {}).get("name") == "payment_form"
        text = latest_text(tracker)
        if not in_payment and not backs_a_balance(text):
            # "what's my bank balance?" taken for this intent: a booking's
            # balance is only shown when the message is about one.
            dispatcher.utter_message(response="utter_out_of_scope")
            return []
        await answer_balance(dispatcher, tracker)
        return []


async def answer_balance(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Show the balance of the booking asked about, or of the payment's booking."""
    reference = _reference_asked_about(tracker)
    if not reference:
        dispatcher.utter_message(response="utter_balance_needs_booking")
        return
    key = find_booking_reference_key(reference)
    try:
        # Counted like the form's lookups: the balance question must not be a way to enumerate.
        lookup = await call_payments(PaymentService.look_up_booking, tracker.sender_id, key) if key else None
    except ServiceFailure as failure:
        apologise(dispatcher, failure)
        return
    if lookup is not None and lookup.outcome is LookupOutcome.LOCKED_OUT:
        dispatcher.utter_message(response="utter_booking_lookups_paused",
                                 support_contact=settings().support_contact,
                                 retry_in=say_wait(tracker, lookup.retry_after or timedelta(0)))
        return
    booking = lookup.booking if lookup is not None else None
    if booking is None:
        dispatcher.utter_message(response="utter_balance_unknown_booking", booking_reference=reference)
        return
    tell_booking_summary(dispatcher, booking)
