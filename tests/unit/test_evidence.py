"""The second signal (parsing/evidence.py): the classifier's booking intent only counts when the text backs it.

The NLU gate judges everyday requests by this same rule, so these rows are what
"taken for a booking request" means there.
"""
from __future__ import annotations

import pytest

from parsing.evidence import backs_instead_of_out_of_scope, taken_for_a_booking_request

TAKEN = [
    ("pay my balance", "make_payment"),
    ("ndinoda kubhadhara bhuking yangu", "make_payment"),
    ("ngifuna ukubhadala", "make_payment"),
    ("what do I still owe on my safari booking?", "ask_balance"),
    ("BK-T005-20260210", "greet"),
    ("did my payment go through?", "payment_status"),
    ("I didn't get the OTP", "request_new_otp"),
]
NOT_TAKEN = [
    ("remind me to call mum at six", "make_payment"),
    ("pay my electricity bill", "make_payment"),
    ("what's my bank balance", "ask_balance"),
    ("how much is on my ecocash wallet", "ask_balance"),
    ("did my amazon parcel arrive", "payment_status"),
    ("send me the wifi code", "request_new_otp"),
    ("how much do I pay for the Victoria Falls trip?", "make_payment"),
    ("ndiridzire nziyo dzaOliver Mtukudzi", "make_payment"),
    ("will it rain tomorrow", "out_of_scope"),
]


@pytest.mark.parametrize("text, intent", TAKEN)
def test_backed_booking_intents_are_taken(text: str, intent: str) -> None:
    assert taken_for_a_booking_request(text, intent)


@pytest.mark.parametrize("text, intent", NOT_TAKEN)
def test_the_intent_alone_is_never_a_booking_request(text: str, intent: str) -> None:
    assert not taken_for_a_booking_request(text, intent)


@pytest.mark.parametrize("text, runner_up", [
    ("how much do we still owe on the hwange trip", "ask_balance"),
    ("actually make it 45 dollars", "correct"),
    ("switch the number to 0719 555 010", "correct"),
    ("ndinoda kubhadhara mari yasara", "make_payment"),
])
def test_a_booking_intent_the_text_backs_replaces_out_of_scope(text: str, runner_up: str) -> None:
    assert backs_instead_of_out_of_scope(text, runner_up)


@pytest.mark.parametrize("text, runner_up", [
    ("will you tell me my bank balance", "ask_balance"),
    ("what is the minimum i can pay on my electricity bill", "make_payment"),
    ("book a table for two at 7", "make_payment"),
    ("thanks so much", "thank"),  # not a booking intent: out of scope stays
    ("what is the status of my online order", "payment_status"),
    ("how much is my balance", "greet"),
])
def test_everyday_requests_stay_out_of_scope(text: str, runner_up: str) -> None:
    assert not backs_instead_of_out_of_scope(text, runner_up)
