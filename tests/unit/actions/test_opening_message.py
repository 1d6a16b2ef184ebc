"""A payment starts on two signals, never one (actions/form/opening.py), as a table.

(message, the classifier's intent) -> does the payment form start? And when
it does not, the assistant never asks for a booking reference unprompted.
"""
from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.form.opening import OpeningMessage
from tests.support.trackers import make_tracker

STARTS = [
    ("pay", "make_payment"),
    ("I want to pay my balance", "make_payment"),
    ("settle the balance on my safari", "make_payment"),
    ("paymnet please", "make_payment"),
    ("ndinoda kubhadhara bhuking yangu", "make_payment"),
    ("ngifuna ukubhadala", "make_payment"),
    ("BK-T005-20260210", "inform"),
    ("bk t005 20260210", "greet"),  # a reference is evidence whatever the intent
    ("50 usd with ecocash", "inform"),
    ("/make_payment", "make_payment"),  # the menu's button
    ("can I pay my deposit now?", "make_payment"),
]
DOES_NOT_START = [
    # (message, intent, response expected)
    ("remind me to call mum at six", "make_payment", "utter_out_of_scope"),
    ("pay my electricity bill", "make_payment", "utter_out_of_scope"),
    ("what's my bank balance", "make_payment", "utter_out_of_scope"),
    ("how much do I pay for the Victoria Falls trip?", "make_payment", "utter_trip_questions"),
    ("is a visa included in the price?", "make_payment", "utter_trip_questions"),
    ("do it now", "make_payment", "utter_offer_payment"),
    ("ndiridzire nziyo dzaOliver Mtukudzi", "make_payment", "utter_out_of_scope"),
    ("ngicela ungikhumbuze ukufonela umama", "inform", "utter_out_of_scope"),
    ("ecocash", "inform", "utter_out_of_scope"),
    ("yes", "affirm", "utter_yes_outside_payment"),
]


@pytest.mark.parametrize("text, intent", STARTS)
def test_two_signals_start_a_payment(text: str, intent: str) -> None:
    tracker = make_tracker(text=text, intent=intent)
    assert OpeningMessage().refusal(CollectingDispatcher(), tracker) is None


@pytest.mark.parametrize("text, intent, response", DOES_NOT_START)
def test_one_signal_never_asks_for_a_booking_reference(text: str, intent: str, response: str) -> None:
    dispatcher = CollectingDispatcher()
    events = OpeningMessage().refusal(dispatcher, make_tracker(text=text, intent=intent))
    assert events is not None and events[0]["value"] == "not_a_payment"
    assert [message["response"] for message in dispatcher.messages] == [response]


def test_yes_to_the_offer_starts_a_payment() -> None:
    tracker = make_tracker(text="yes", intent="affirm")
    offer = {"event": "bot", "text": "Would you like…", "metadata": {"utter_action": "utter_offer_payment"}}
    tracker.events.insert(0, offer)
    assert OpeningMessage().refusal(CollectingDispatcher(), tracker) is None
