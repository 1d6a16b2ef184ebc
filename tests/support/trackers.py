"""Trackers and dispatchers as rasa-sdk builds them, for calling one action at a time.

Pure: nothing is started, so tests/unit and tests/integration both use them.
"""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from common.sender_ids import channel_of


def make_tracker(
    slots: Optional[Dict[str, Any]] = None,
    text: str = "",
    sender_id: str = "test-sender",
    active_loop: Optional[str] = "payment_form",
    intent: str = "inform",
    set_this_turn: Optional[List[str]] = None,
    input_channel: Optional[str] = None,
) -> Tracker:
    """A tracker as rasa-sdk builds one from Rasa's request, with the given slots.

    ``set_this_turn`` names the slots the latest message filled (all given
    slots by default); only those are validated, as in a real conversation.
    The message came through the channel of the (scoped) ``sender_id``, as
    rasa_runtime/turns/channel_guard.py sets it, unless ``input_channel`` says otherwise.
    """
    all_slots = {
        "booking_reference": None,
        "amount": None,
        "payment_channel": None,
        "phone_number": None,
        "payment_confirmed": None,
        "otp": None,
        "transaction_reference": None,
        "otp_reference": None,
        "payment_outcome": None,
        "payment_halt": None,
        "invalid_answers": 0,
        "requested_slot": None,
    }
    all_slots.update(slots or {})
    # The form validator only validates slots set since the last user message.
    channel = input_channel if input_channel is not None else channel_of(sender_id)
    events = [{"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}, "input_channel": channel}]
    fresh = set(slots or {}) if set_this_turn is None else set(set_this_turn)
    events += [
        {"event": "slot", "name": name, "value": value} for name, value in (slots or {}).items() if name in fresh
    ]
    return Tracker(
        sender_id=sender_id,
        slots=all_slots,
        latest_message={"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": []},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def run(coroutine):
    return asyncio.run(coroutine)


def responses(dispatcher: CollectingDispatcher) -> List[str]:
    return [message.get("response") for message in dispatcher.messages]


def slot_events(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The last value each SlotSet event gives a slot."""
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


def yes_to_the_summary(slots: Dict[str, Any], text: str = "yes", **kwargs: Any) -> Tracker:
    """The turn that says yes to the payment said back (actions/form/confirmation.py): O'mari is asked next.

    ``slots`` hold the four answers; the yes is the message, at the confirmation question.
    """
    return make_tracker(
        slots={**slots, "requested_slot": "payment_confirmed"}, text=text, intent="affirm", set_this_turn=[], **kwargs
    )
