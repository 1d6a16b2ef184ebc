"""Answers given early, and answers changed later, in the payment form.

Customers say several things at once ("pay 50 usd for BK-T005-20260210 with
ecocash") and change their minds ("actually make it 30", "sorry wrong number,
use 0712000002"), at any question. :class:`Corrections` reads an amount
from such messages and, after each turn's answers are validated,
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

from actions.form.amount import AmountQuestion
from actions.form.cancellation import void_payment
from actions.form.halt import SlotValues
from actions.form.turn import ANSWER_INTENTS, PAYMENT_INPUTS, latest_intent, latest_text
from parsing import amount_mentioned


class Corrections:
    """Squares each turn's answers with the earlier ones; checks an early amount with ``amount``."""

    def __init__(self, amount: AmountQuestion) -> None:
        self._amount = amount

    @staticmethod
    def amount_in_message(tracker: Tracker) -> SlotValues:
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

    @staticmethod
    def changed(before: Dict[Text, Any], tracker: Tracker) -> Set[Text]:
        """The answers given earlier that this turn replaced with another value."""
        return {
            slot for slot in PAYMENT_INPUTS
            if before[slot] and tracker.get_slot(slot) and tracker.get_slot(slot) != before[slot]
        }

    async def after_answers(
        self,
        before: Dict[Text, Any],
        given: Set[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> List[EventType]:
        """What this turn's answers (``given``) mean for the ones given earlier (``before``)."""
        updates: SlotValues = {}
        booking = tracker.get_slot("booking_reference")
        changed = self.changed(before, tracker)
        if "booking_reference" in changed and "amount" not in given:
            updates["amount"] = None  # chosen against another booking's balance: ask again
        early = tracker.get_slot("amount_given_early")
        if early and tracker.get_slot("amount"):
            updates["amount_given_early"] = None  # a later answer replaced it
        elif booking and early and "amount" not in updates:
            updates.update(await self._amount.validate(early, dispatcher, tracker))
            updates["amount_given_early"] = None
        transaction_reference = tracker.get_slot("transaction_reference")
        if changed and transaction_reference and not tracker.get_slot("payment_outcome"):
            updates.update(await void_payment(transaction_reference, dispatcher))
        if latest_intent(tracker) == "correct" and not given and not dispatcher.messages:
            # "I want to change my number": say how, and keep the form going
            # (a form whose validator sets no slot would step aside).
            dispatcher.utter_message(response="utter_how_to_correct")
            updates["invalid_answers"] = tracker.get_slot("invalid_answers") or 0
        return [SlotSet(slot, value) for slot, value in updates.items()]
