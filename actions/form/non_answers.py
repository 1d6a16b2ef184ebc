"""Messages in the payment form that answer no question.

- A reaction ("👍", "ok", "lol", a sticker's text) is not a wrong answer: the
  question is asked again and the form's count of invalid answers is left
  alone. As the first message it never starts a payment.
- "Send me a new code" after the OTP was sent voids that request and asks
  O'mari for a new OTP for the same details; before, it says when one comes.
- A code typed after the payment closed on a spent or expired OTP cannot be
  used: it is explained, and the fresh OTP offered again, instead of the
  payment starting over from the booking question.
"""
from __future__ import annotations

from typing import List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.form.cancellation import void_payment
from actions.form.halt import HALT_SLOT, HaltReason
from actions.form.start import PaymentStarter
from actions.form.turn import (
    inputs_given_this_turn,
    latest_intent,
    latest_text,
    value_before_this_turn,
)
from actions.payment.fresh_otp import closed_payment, fresh_otp_payload
from parsing import InvalidInput, amount_mentioned, is_reaction, parse_otp

REACTION_INTENT = "react"
NEW_OTP_INTENT = "request_new_otp"


class NonAnswers:
    """Answers messages that answer no question; asks ``starter`` for a new OTP when one is wanted."""

    def __init__(self, starter: PaymentStarter) -> None:
        self._starter = starter

    async def events_for(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[EventType]]:
        """The events for a message that answers nothing, or None for an answer."""
        intent, text = latest_intent(tracker), latest_text(tracker)
        starting = tracker.get_slot("requested_slot") is None
        if is_reaction(text) or (intent == REACTION_INTENT and not _names_an_amount(text, tracker)):
            return self._reaction(dispatcher, tracker, starting)
        if starting and closed_payment(tracker) and _is_bare_code(text, intent, tracker):
            dispatcher.utter_message(
                response="utter_otp_for_closed_payment",
                fresh_otp_request=fresh_otp_payload(closed_payment(tracker)),
            )
            return [SlotSet(HALT_SLOT, HaltReason.OTP_AFTER_CLOSE.value)]
        if intent == NEW_OTP_INTENT and not starting:
            return await self.new_otp_in_payment(dispatcher, tracker)
        return None

    @staticmethod
    def _reaction(dispatcher: CollectingDispatcher, tracker: Tracker, starting: bool) -> List[EventType]:
        if starting:
            dispatcher.utter_message(response="utter_reaction")
            return [SlotSet(HALT_SLOT, HaltReason.NOT_A_PAYMENT.value)]
        # Undo what the slot mappings took from the reaction; the count stays.
        undone = [SlotSet(slot, value_before_this_turn(tracker, slot)) for slot in tracker.slots_to_validate()]
        return undone + [SlotSet("invalid_answers", tracker.get_slot("invalid_answers") or 0)]

    async def new_otp_in_payment(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        transaction_reference = tracker.get_slot("transaction_reference")
        keep_going = SlotSet("invalid_answers", tracker.get_slot("invalid_answers") or 0)
        if not transaction_reference or tracker.get_slot("payment_outcome"):
            dispatcher.utter_message(response="utter_otp_not_requested_yet")
            return [keep_going]
        voided = await void_payment(transaction_reference, dispatcher, "utter_new_otp_voided")
        events: List[EventType] = [SlotSet(slot, value) for slot, value in voided.items()]
        if HALT_SLOT not in voided:
            tracker.slots.update(voided)
            started = await self._starter.start(tracker.get_slot("phone_number"), dispatcher, tracker)
            events.extend(SlotSet(slot, value) for slot, value in started.items())
        return events + [keep_going]


def _names_an_amount(text: str, tracker: Tracker) -> bool:
    """At the amount question, a message the parser reads as an amount ("ninety nine dollars").

    The classifier can take a short amount in words for chatter; the parser, not
    the intent, decides what an answer is, so such a message is validated as one.
    """
    return tracker.get_slot("requested_slot") == "amount" and amount_mentioned(text, None)


def _is_bare_code(text: str, intent: Optional[str], tracker: Tracker) -> bool:
    """A message that is only an OTP: no reference, wallet, number or amount in it."""
    try:
        parse_otp(text)
    except InvalidInput:
        return False
    return not inputs_given_this_turn(tracker) and not amount_mentioned(text, intent)
