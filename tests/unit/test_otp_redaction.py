"""The OTP typed at the OTP question is saved as [OTP]: in user text, parse_data and the otp slot."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.shared.core.events import SlotSet, UserUttered

from parsing.otp import parse_otp
from parsing.text import InvalidInput
from rasa_runtime.stores.otp_redaction import MARKER, redact_events, redact_text

OTP = "482913"


def user(text: str) -> UserUttered:
    return UserUttered(text, intent={"name": "inform", "confidence": 0.9},
                       parse_data={"intent": {"name": "inform"}, "entities": [], "text": text})


def test_the_otp_answer_and_its_slot_are_redacted_and_other_answers_kept() -> None:
    events = [
        SlotSet("requested_slot", "phone_number"), user("0772 123 456"),
        SlotSet("requested_slot", "otp"), user(f"the code is {OTP[:3]} {OTP[3:]}"), SlotSet("otp", OTP),
        SlotSet("otp", None), user("use 0712000002 instead"), user(OTP + "7"),
        SlotSet("requested_slot", None), user(f"pay 50 again, my last code was {OTP}"),
        user("4 8 2 9 1 3"), user("pay 1200 usd"),
    ]
    redact_events(events)
    stored = json.dumps([event.as_dict() for event in events])
    assert OTP not in stored and OTP[:3] + " " + OTP[3:] not in stored
    assert events[1].text == "0772 123 456"  # the phone question is not touched
    assert events[3].text == f"the code is {MARKER}" and events[3].parse_data["text"] == events[3].text
    assert events[4].value == MARKER and events[5].value is None
    assert events[6].text == "use 0712000002 instead"  # a correction's phone number stays
    assert events[7].text == MARKER  # a mistyped (7-digit) code is hidden too
    assert "pay 50 again" in events[9].text  # the known code, wherever it reappears
    assert events[10].text == MARKER  # a code alone, sent again after the OTP question
    assert events[11].text == "pay 1200 usd"  # other messages after it keep their numbers


def test_redacting_twice_changes_nothing() -> None:
    events = [SlotSet("requested_slot", "otp"), user(OTP), SlotSet("otp", OTP)]
    redact_events(events)
    once = [event.as_dict() for event in events]
    redact_events(events)
    assert [event.as_dict() for event in events] == once


# Every way of writing 482913 that the OTP parser reads as 482913 (parsing/otp.py).
DISGUISED = [
    "٤٨٢٩١٣",  # Arabic-Indic digits
    "४८२९१३",  # Devanagari
    "４８２９１３",  # fullwidth
    "48\u200b29\u200b13",  # zero-width spaces
    "482\u00ad913",  # a soft hyphen
    "4\u20608\u20602\u20609\u206013",  # word joiners
    "\u2068482913\u2069",  # bidirectional isolates around it
    "48 ٢٩ 13",  # mixed scripts, spaced
]


@pytest.mark.parametrize("typed", DISGUISED)
def test_a_code_in_other_digits_or_split_by_invisible_characters_is_redacted(typed: str) -> None:
    assert parse_otp(typed) == OTP  # what O'mari received: so it is the code
    events = [SlotSet("requested_slot", "otp"), user(f"code {typed} thanks"), SlotSet("otp", OTP),
              SlotSet("requested_slot", None), user(typed), user(f"was it {typed}?")]
    redact_events(events)
    for event in (events[1], events[4], events[5]):
        assert event.text.count(MARKER) == 1 and not any(char.isdecimal() for char in event.text), event.text
        assert event.parse_data["text"] == event.text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789٤٨२９ -\u200b\u00ad\u2060abc.,"), max_size=40))
def test_nothing_the_otp_parser_reads_as_a_code_survives_redaction_at_the_otp_question(typed: str) -> None:
    try:
        parse_otp(typed)
    except InvalidInput:
        return
    redacted = redact_text(typed, set(), at_otp_question=True)
    with pytest.raises(InvalidInput):
        parse_otp(redacted)
