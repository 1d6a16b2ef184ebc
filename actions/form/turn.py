"""What the customer's latest message did to the payment form's answers.

The form validator needs to tell an answer from a correction: "actually make
it 30" at the OTP question changes the amount, "sorry wrong number, use
0712000002" the phone. Rasa hands the validator only the slot values this
turn produced (candidates), so these helpers read the tracker's events to
find the intent, the answers as they were before the message, and which
answers the message gave.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa_sdk import Tracker

# The answers that decide a payment; changing one after the OTP was sent
# means asking O'mari again.
PAYMENT_INPUTS = ("booking_reference", "amount", "payment_channel", "phone_number")
# Intents whose messages can carry answers (entities or an amount).
ANSWER_INTENTS = frozenset({"make_payment", "inform", "correct"})


def latest_intent(tracker: Tracker) -> Optional[Text]:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> Text:
    return str((tracker.latest_message or {}).get("text") or "")


def _last_user_event_index(tracker: Tracker) -> int:
    for index in range(len(tracker.events) - 1, -1, -1):
        if tracker.events[index].get("event") == "user":
            return index
    return -1


def value_before_this_turn(tracker: Tracker, slot: Text) -> Any:
    """The slot's value before the latest message filled it again.

    A slot the message did not touch still holds its old value. One it did
    touch is read back from the last SlotSet before the user's message.
    """
    if slot not in tracker.slots_to_validate() and not _set_since_last_message(tracker, slot):
        return tracker.get_slot(slot)
    for event in reversed(tracker.events[: max(_last_user_event_index(tracker), 0)]):
        if event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


def _set_since_last_message(tracker: Tracker, slot: Text) -> bool:
    start = _last_user_event_index(tracker)
    return any(
        event.get("event") == "slot" and event.get("name") == slot for event in tracker.events[start + 1 :]
    )


def inputs_given_this_turn(tracker: Tracker) -> Dict[Text, Any]:
    """The payment answers the latest message offered (not yet validated)."""
    candidates = tracker.slots_to_validate()
    return {slot: candidates[slot] for slot in PAYMENT_INPUTS if candidates.get(slot) is not None}


def gave_another_answer(tracker: Tracker, slot: Text) -> bool:
    """True when the latest message offered an answer to a question other than ``slot``'s."""
    return any(other != slot for other in inputs_given_this_turn(tracker))


def last_bot_response(tracker: Tracker) -> Optional[Text]:
    """The name of the response the assistant said last before the latest message, if any."""
    for event in reversed(tracker.events[: max(_last_user_event_index(tracker), 0)]):
        if event.get("event") == "bot":
            return ((event.get("metadata") or {}).get("utter_action")) or None
    return None


def take_only(tracker: Tracker, answers: Dict[Text, Any]) -> Dict[Text, Any]:
    """Make ``answers`` this turn's only candidates, as if the slot mappings had found just them.

    The slot mappings read the message by intent; the turn reader reads it by
    the question asked. What the mappings took and the reader did not is put
    back as it was (the returned values must be set again in Rasa), and
    ``tracker`` is left as rasa-sdk would build it for ``answers``, so each
    ``validate_<slot>`` sees exactly the reader's candidates.
    """
    candidates = tracker.slots_to_validate()
    undone = {slot: value_before_this_turn(tracker, slot) for slot in candidates if slot not in answers}
    count = _trailing_slot_events(tracker)
    if count:
        del tracker.events[-count:]
    tracker.slots.update(undone)
    for slot, value in answers.items():
        tracker.events.append({"event": "slot", "name": slot, "value": value, "timestamp": None})
        tracker.slots[slot] = value
    return undone


def _trailing_slot_events(tracker: Tracker) -> int:
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "slot":
            break
        count += 1
    return count
