"""Acting on the turn reader's verdict inside the payment form.

``actions/form/reading.py`` decides what a message means at the question
asked (pure, table-tested); :class:`QuestionReader` turns that into what the
customer is told and which slots change. Answers and changes go on to the
validator's ``validate_<slot>`` methods; everything else is settled here:
a cancel, a person, a new code, a question answered before the question is
asked again, a reaction, or a message that answers nothing.
"""
from __future__ import annotations

from typing import List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.form.amount import booking_for_wording
from actions.form.cancellation import cancel_at_question
from actions.form.confirmation import confirmation_of, payment_so_far
from actions.form.halt import HaltReason
from actions.form.non_answers import NonAnswers
from actions.form.reading import CONFIRMATION_SLOT, Reading, ReadingKind, Turn, named_answers, read_turn
from actions.form.rejection import reject
from actions.form.turn import latest_intent, latest_text, take_only
from actions.identity import verified_phone_number
from actions.languages import tell_language_choice
from actions.payment.status import tell_payment_status
from actions.questions import answer_balance
from actions.runtime import settings
from parsing import find_booking_reference_key
from parsing.cues import words_of

# Questions with a fixed answer (domain.yml).
_FIXED_ANSWERS = {
    "ask_otp_help": "utter_about_otp",
    "ask_safety": "utter_about_safety",
    "ask_omari": "utter_about_omari",
    "ask_merchant": "utter_about_merchant",
    "ask_tours": "utter_tours",
    "menu": "utter_payment_menu_help",
}
# What "I didn't understand" says at each question (the reason counts as a wrong answer).
_UNREADABLE = {
    "booking_reference": "utter_invalid_booking_reference",
    "amount": "utter_invalid_amount_not_a_number",
    "payment_channel": "utter_invalid_payment_channel",
    "phone_number": "utter_invalid_phone_number_not_a_phone_number",
    "otp": "utter_invalid_otp",
    CONFIRMATION_SLOT: "utter_confirmation_help",
}
_BALANCE_WORDS = frozenset({"balance", "owe", "owing", "left", "remaining", "outstanding", "bharanzi", "yasara",
                            "eseleyo", "ibhalansi"})
_PAYING_WORDS = frozenset({"paying", "amount", "much", "pay", "charge", "charged", "details", "channel",
                           "number", "marii", "malini"})


def turn_of(tracker: Tracker) -> Turn:
    return Turn(
        question=tracker.get_slot("requested_slot"),
        text=latest_text(tracker),
        intent=latest_intent(tracker),
        sender_number_offered=verified_phone_number(tracker) is not None,
    )


class QuestionReader:
    """Reads each message at the question asked, and settles what is not an answer."""

    def __init__(self, non_answers: NonAnswers) -> None:
        self._non_answers = non_answers

    @staticmethod
    def read(tracker: Tracker) -> Reading:
        return read_turn(turn_of(tracker))

    @staticmethod
    def keep_only_answers(reading: Reading, tracker: Tracker) -> List[EventType]:
        """Leave the reader's answers as the turn's candidates; undo what the slot mappings took besides."""
        undone = take_only(tracker, dict(reading.answers))
        return [SlotSet(slot, value) for slot, value in undone.items()]

    @staticmethod
    def add_named_answers(tracker: Tracker) -> None:
        """The opening message: what the parsers find besides the entities ("BK–T005–…" with en dashes).

        The amount is left to ``extract_amount``; an entity the mappings found is kept.
        """
        found = named_answers(Turn(None, latest_text(tracker), latest_intent(tracker)))
        candidates = tracker.slots_to_validate()
        extra = {slot: value for slot, value in found.items() if slot != "amount" and candidates.get(slot) is None}
        if extra:
            take_only(tracker, {**candidates, **extra})

    async def settle(
        self, reading: Reading, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Optional[List[EventType]]:
        """The events for a message that is not an answer, or None to validate its answers."""
        kind = reading.kind
        keep_going = [SlotSet("invalid_answers", tracker.get_slot("invalid_answers") or 0)]
        if kind in (ReadingKind.ANSWER, ReadingKind.CHANGE):
            return None
        if kind is ReadingKind.CONFIRM:
            # The yes is the answer: the validator goes on to ask O'mari for the OTP.
            tracker.slots[CONFIRMATION_SLOT] = confirmation_of(tracker.slots)
            return None
        if kind is ReadingKind.CANCEL:
            cancelled = await cancel_at_question(tracker.get_slot("transaction_reference"), dispatcher)
            return [SlotSet(slot, value) for slot, value in cancelled.items()]
        if kind is ReadingKind.HANDOFF:
            return await self._hand_over(dispatcher, tracker)
        if kind is ReadingKind.NEW_OTP:
            return await self._non_answers.new_otp_in_payment(dispatcher, tracker)
        if kind is ReadingKind.CHANGE_WANTED:
            dispatcher.utter_message(response="utter_how_to_correct")
            return keep_going
        if kind is ReadingKind.QUESTION:
            await self._answer_question(reading.question_intent, dispatcher, tracker)
            return keep_going
        if kind is ReadingKind.REACTION:
            return keep_going
        if kind is ReadingKind.LANGUAGE:
            tell_language_choice(dispatcher, tracker)
            return keep_going
        question = tracker.get_slot("requested_slot")
        rejection = reject(question, dispatcher, tracker, _UNREADABLE.get(question, "utter_default"))
        return [SlotSet(slot, value) for slot, value in rejection.items()]

    @staticmethod
    async def _hand_over(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        transaction_reference = tracker.get_slot("transaction_reference")
        events: List[EventType] = []
        if transaction_reference:
            cancelled = await cancel_at_question(transaction_reference, dispatcher)
            events.extend(SlotSet(slot, value) for slot, value in cancelled.items() if slot != "payment_halt")
        events.append(SlotSet("payment_halt", HaltReason.HANDED_OVER.value))
        return events

    @staticmethod
    async def _answer_question(
        intent: Optional[Text], dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> None:
        """Answer, then the form asks its question again."""
        text = latest_text(tracker)
        words = set(words_of(text))
        if intent in _FIXED_ANSWERS:
            dispatcher.utter_message(response=_FIXED_ANSWERS[intent])
        elif intent == "payment_status":
            await tell_payment_status(dispatcher, tracker)
        elif find_booking_reference_key(text) or (intent == "ask_balance" and words & _BALANCE_WORDS):
            await answer_balance(dispatcher, tracker)
        elif words & (_PAYING_WORDS | _BALANCE_WORDS) and tracker.get_slot("booking_reference"):
            # "wait, how much am I paying again?": what the payment is so far.
            booking = await booking_for_wording(tracker)
            dispatcher.utter_message(response="utter_payment_so_far", payment_so_far=payment_so_far(tracker, booking))
        elif intent == "ask_balance":
            await answer_balance(dispatcher, tracker)
        else:
            dispatcher.utter_message(response="utter_question_in_payment", support_contact=settings().support_contact)

