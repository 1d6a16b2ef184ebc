"""Saying why an answer was not accepted, and counting the wrong ones.

Every question of the payment form rejects the same way, so the rules for
when a rejection is no wrong answer at all (a correction of another answer,
"I want to change my number") live here once.
"""
from __future__ import annotations

from typing import Any, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.form.halt import HALT_SLOT, HaltReason, SlotValues
from actions.form.turn import gave_another_answer, latest_intent, value_before_this_turn
from actions.runtime import settings

# Rejections meaning "there was no value in the reply" rather than "wrong value".
_UNREADABLE = frozenset({
    "utter_invalid_booking_reference",
    "utter_invalid_amount_not_a_number",
    "utter_invalid_payment_channel",
    "utter_invalid_phone_number_not_a_phone_number",
})


def invalid_answers(tracker: Tracker) -> int:
    """The form's count of wrong answers so far (rasa-sdk forms have no retry limit of their own)."""
    return int(tracker.get_slot("invalid_answers") or 0)


def reject(
    slot: Text,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    response: Text,
    **response_variables: Any,
) -> SlotValues:
    """Explain why ``slot``'s answer was not accepted; stop looping after too many.

    The form asks its question again after this message.
    """
    requested = tracker.get_slot("requested_slot")
    previous = value_before_this_turn(tracker, slot)
    if slot == requested and gave_another_answer(tracker, slot):
        # "sorry wrong number, use 0712000002" at the channel question: the
        # message answered something else, not this question badly.
        return {slot: previous}
    if latest_intent(tracker) == "correct" and slot == requested and response in _UNREADABLE:
        # "I want to change my number": no value to check, so say how.
        dispatcher.utter_message(response="utter_how_to_correct")
        return {slot: None}
    dispatcher.utter_message(response=response, **response_variables)
    if slot != requested and previous:
        # A bad correction keeps the answer it was meant to replace.
        return {slot: previous, "invalid_answers": invalid_answers(tracker)}
    count = invalid_answers(tracker) + 1
    rejection: SlotValues = {slot: None, "invalid_answers": count}
    if count >= settings().max_invalid_answers:
        rejection[HALT_SLOT] = HaltReason.TOO_MANY_INVALID_ANSWERS.value
    return rejection
