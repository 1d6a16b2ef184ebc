"""Whether the message that opened the payment form really asks to pay.

A payment starts on two signals, never one: the classifier's intent and
evidence in the text itself, in English, Shona or Ndebele (parsing/cues.py):

- a booking reference ("BK-T005-20260210"), which nothing else looks like;
- a word for paying, settling, a balance, a deposit or an instalment, about a
  booking rather than someone else's bill ("pay my electricity bill" is not ours);
- an amount together with a wallet ("50 with ecocash");
- a tap on a button the assistant offered (the menu's *Mobile Payment*, *Yes*
  to "would you like to pay on a booking?"), or a fresh OTP for a closed payment.

With only one signal the assistant never asks for a booking reference
unprompted: it asks whether the customer wants to pay on a booking (Yes / No),
answers a question about a trip, or says what it can do.
"""
from __future__ import annotations

from typing import List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.form.halt import HALT_SLOT, HaltReason
from actions.form.turn import last_bot_response, latest_intent, latest_text
from parsing.cues import booking_cue, names_other_payee, payment_cue, words_of
from parsing.evidence import backs_a_payment, is_trip_question, names_a_booking

OFFER_RESPONSE = "utter_offer_payment"
START_PAYLOAD = "/make_payment"
_REFILLED = ("booking_reference", "amount", "payment_channel", "phone_number")


class OpeningMessage:
    """Lets the payment form start only on two signals; otherwise answers and ends it."""

    @staticmethod
    def has_evidence(tracker: Tracker) -> bool:
        text, intent = latest_text(tracker), latest_intent(tracker)
        if text.strip().startswith(START_PAYLOAD) or names_a_booking(text):
            return True
        if intent == "request_new_otp":
            return all(tracker.get_slot(slot) for slot in _REFILLED)  # the closed payment, refilled
        if intent == "affirm":
            return last_bot_response(tracker) == OFFER_RESPONSE
        return backs_a_payment(text, intent)

    @staticmethod
    def _worth_asking(text: str, intent: Optional[str]) -> bool:
        """One signal that may still mean a payment: ask "would you like to pay on a booking?".

        A payment word with another intent, or the payment intent on a short
        message ("do it now") or one about a booking or trip. A longer message
        with neither ("set an alarm for six") is answered as out of scope.
        """
        if names_other_payee(text):
            return False
        if payment_cue(text):
            return True
        return intent == "make_payment" and (booking_cue(text) or len(words_of(text)) <= 3)

    def refusal(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[EventType]]:
        """The events that end the form before it asks anything, or None when the payment may start."""
        if self.has_evidence(tracker):
            return None
        text, intent = latest_text(tracker), latest_intent(tracker)
        if intent == "affirm":
            dispatcher.utter_message(response="utter_yes_outside_payment")
        elif intent == "request_new_otp":
            pass  # action_send_fresh_otp has said there is no payment waiting for a code
        elif is_trip_question(text):
            dispatcher.utter_message(response="utter_trip_questions")
        elif self._worth_asking(text, intent):
            dispatcher.utter_message(response=OFFER_RESPONSE)
        else:
            dispatcher.utter_message(response="utter_out_of_scope")
        return [SlotSet(HALT_SLOT, HaltReason.NOT_A_PAYMENT.value)]
