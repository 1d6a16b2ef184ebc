"""Saying the payment back before money moves, and saying a change aloud.

Before O'mari is asked for an OTP (POST /auth), one message states the
booking, the amount with its currency, the channel and the number, and asks
to go ahead (Yes / Change / Cancel). Only a plain yes answers it (the turn
reader, actions/form/reading.py); a changed answer takes the yes back, so
the new details are said back again before any new OTP. A change made at
any question is confirmed aloud at once ("OK: ZWG 30.00 via OneMoney").
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, List, Mapping, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.form.amount import booking_for_wording
from actions.form.reading import CONFIRMATION_SLOT
from actions.languages import say
from actions.presentation import format_money, format_phone_for_customer
from parsing import CHANNEL_NAMES
from payments.snapshots import BookingSnapshot

_CONFIRMED_DETAILS = ("booking_reference", "amount", "payment_channel", "phone_number")


def confirmation_of(details: Mapping[Text, Any]) -> Text:
    """What the ``payment_confirmed`` slot holds after a yes: the very details said back.

    A yes is for those details only: any change (a correction, an amount asked
    again after another chat took part of the balance) no longer matches, so
    the new details are said back before any OTP, whichever path changed them.
    """
    return "|".join(str(details.get(slot) or "") for slot in _CONFIRMED_DETAILS)


def is_confirmed(tracker: Tracker) -> bool:
    return tracker.get_slot(CONFIRMATION_SLOT) == confirmation_of(tracker.slots)


def stale_confirmation(tracker: Tracker) -> bool:
    """A yes given for details that have changed since."""
    return bool(tracker.get_slot(CONFIRMATION_SLOT)) and not is_confirmed(tracker)


def payment_so_far(tracker: Tracker, booking: Optional[BookingSnapshot]) -> Text:
    """The answers known so far in words: "US$30.00 via OneMoney from 0772 123 456 on BK-…"."""
    parts: List[Text] = []
    amount = tracker.get_slot("amount")
    if amount and booking is not None:
        parts.append(format_money(Decimal(amount), booking.currency))
    channel = tracker.get_slot("payment_channel")
    if channel:
        parts.append(say(tracker, "via_channel", channel=CHANNEL_NAMES.get(channel, channel)))
    phone = tracker.get_slot("phone_number")
    if phone:
        parts.append(say(tracker, "from_phone", phone=format_phone_for_customer(phone)))
    reference = tracker.get_slot("booking_reference")
    if reference:
        parts.append(say(tracker, "on_booking", booking_reference=reference))
    return " ".join(parts)


async def say_change_aloud(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """"OK: ZWG 30.00 via OneMoney": the customer hears what the change made of the payment."""
    summary = payment_so_far(tracker, await booking_for_wording(tracker))
    if summary:
        dispatcher.utter_message(response="utter_change_confirmed", payment_so_far=summary)


class ActionAskPaymentConfirmed(Action):
    """Says the payment back and asks to go ahead, once booking, amount, channel and number are known."""

    def name(self) -> Text:
        return f"action_ask_{CONFIRMATION_SLOT}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        booking = await booking_for_wording(tracker)
        amount = tracker.get_slot("amount")
        channel = tracker.get_slot("payment_channel")
        dispatcher.utter_message(
            response="utter_ask_payment_confirmed",
            booking_reference=tracker.get_slot("booking_reference"),
            amount=format_money(Decimal(amount), booking.currency) if booking and amount else amount,
            channel=CHANNEL_NAMES.get(channel, channel),
            phone=format_phone_for_customer(tracker.get_slot("phone_number") or ""),
        )
        return []
