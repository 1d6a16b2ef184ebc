"""The payment form's reading order, as a table: (question, message, intent) -> what the message does.

Each row is one step of the order in actions/form/reading.py, in English,
Shona and Ndebele. The intent is what a classifier might plausibly say, often
wrongly: the reading must not depend on it where the text is clear.
"""
from __future__ import annotations

from typing import Dict, Optional

import pytest

from actions.form.reading import CONFIRMATION_SLOT, ReadingKind, Turn, read_turn

ANSWER, CHANGE, CANCEL = ReadingKind.ANSWER, ReadingKind.CHANGE, ReadingKind.CANCEL
QUESTION, NEW_OTP, REACTION = ReadingKind.QUESTION, ReadingKind.NEW_OTP, ReadingKind.REACTION
NOTHING, HANDOFF = ReadingKind.NOTHING, ReadingKind.HANDOFF
CONFIRM, CHANGE_WANTED = ReadingKind.CONFIRM, ReadingKind.CHANGE_WANTED
LANGUAGE = ReadingKind.LANGUAGE

ROWS = [
    # 1. an explicit cancel, wherever it sits in the sentence, whatever the intent
    ("otp", "I want to cancel, there is no money on my ecocash balance", "ask_balance", CANCEL, None),
    ("amount", "ndinoda kukanzura", "inform", CANCEL, None),
    ("phone_number", "ngifuna ukukhansela", "make_payment", CANCEL, None),
    ("payment_channel", "stop", "inform", CANCEL, None),
    ("amount", "don't cancel, I'm getting the amount", "inform", NOTHING, None),
    # 2. a person
    ("amount", "ndinoda kutaura nemunhu", "human_handoff", HANDOFF, None),
    ("payment_channel", "ngifuna ukukhuluma lomuntu", "human_handoff", HANDOFF, None),
    # a language chosen: said, and the question asked again in it (only a choice has this intent)
    ("payment_channel", "English please", "choose_language", LANGUAGE, None),
    ("amount", "ngifuna isiNdebele", "choose_language", LANGUAGE, None),
    (CONFIRMATION_SLOT, "chiShona", "choose_language", LANGUAGE, None),
    # 3. the answer to the question asked
    ("otp", "sorry, the code is 483920", "correct", ANSWER, {"otp"}),
    ("otp", "kodhi yacho ndi 483920", "make_payment", ANSWER, {"otp"}),
    ("otp", "ikhodi ngu 483 920", "inform", ANSWER, {"otp"}),
    ("otp", "here is the new code: 483920", "request_new_otp", ANSWER, {"otp"}),
    ("phone_number", "nhamba yangu ndi 0772123456", "inform", ANSWER, {"phone_number"}),
    ("phone_number", "inombolo yami ngu 0772 123 456", "inform", ANSWER, {"phone_number"}),
    ("phone_number", "my number is +263 77 212 3456", "inform", ANSWER, {"phone_number"}),
    ("payment_channel", "the last one", "inform", ANSWER, {"payment_channel"}),
    ("payment_channel", "number 2", "inform", ANSWER, {"payment_channel"}),
    ("payment_channel", "option 1", "inform", ANSWER, {"payment_channel"}),
    ("payment_channel", "yechipiri", "inform", ANSWER, {"payment_channel"}),
    ("payment_channel", "eyesibili", "inform", ANSWER, {"payment_channel"}),
    ("payment_channel", "eco", "inform", ANSWER, {"payment_channel"}),
    ("amount", "27 dollars and 40 cents", "inform", ANSWER, {"amount"}),
    ("amount", "2k", "inform", ANSWER, {"amount"}),
    ("amount", "ndinoda kubhadhara 50", "make_payment", ANSWER, {"amount"}),
    ("booking_reference", "BK\u2013T005\u201320260210", "inform", ANSWER, {"booking_reference"}),
    ("booking_reference", "ref yangu ndi bk t005 20260210", "make_payment", ANSWER, {"booking_reference"}),
    (CONFIRMATION_SLOT, "yes", "affirm", CONFIRM, None),
    (CONFIRMATION_SLOT, "hongu", "affirm", CONFIRM, None),
    (CONFIRMATION_SLOT, "yebo", "affirm", CONFIRM, None),
    # 4. an explicit change of another answer, at every question
    ("phone_number", "no wait, make it OneMoney", "deny", CHANGE, {"payment_channel"}),
    ("otp", "actually make it 30", "correct", CHANGE, {"amount"}),
    ("otp", "use 0712000002 instead", "correct", CHANGE, {"phone_number"}),
    ("phone_number", "chinja uite onemoney", "correct", CHANGE, {"payment_channel"}),
    ("amount", "sebenzisa u-ecocash", "inform", CHANGE, {"payment_channel"}),
    (CONFIRMATION_SLOT, "make it 30", "correct", CHANGE, {"amount"}),
    (CONFIRMATION_SLOT, "change", "correct", CHANGE_WANTED, None),
    (CONFIRMATION_SLOT, "aiwa", "deny", CHANGE_WANTED, None),
    # 5. a new code
    ("otp", "I didn't get the SMS", "request_new_otp", NEW_OTP, None),
    ("otp", "handina kuwana kodhi", "request_new_otp", NEW_OTP, None),
    ("otp", "angitholanga ikhodi", "request_new_otp", NEW_OTP, None),
    # 6. a question is answered, never taken for an answer
    ("amount", "can I pay the rest next month?", "make_payment", QUESTION, None),
    ("payment_channel", "are there any fees for ecocash?", "ask_omari", QUESTION, None),
    ("phone_number", "wait, how much am I paying again?", "ask_balance", QUESTION, None),
    ("amount", "ndingabhadhara zvishoma here", "make_payment", QUESTION, None),
    ("payment_channel", "ngingabhadala nge-card yini", "make_payment", QUESTION, None),
    ("booking_reference", "what is omari", "ask_omari", QUESTION, None),
    # 7. a reaction: asked again, not counted
    ("amount", "\U0001f44d", "react", REACTION, None),
    ("payment_channel", "ok", "react", REACTION, None),
    # 8. anything else: asked again, counted
    ("payment_channel", "blah blah", "inform", NOTHING, None),
    ("otp", "12", "inform", NOTHING, None),
]


@pytest.mark.parametrize("question, text, intent, kind, slots", ROWS, ids=[row[1][:40] for row in ROWS])
def test_reading_order(question: str, text: str, intent: str, kind: ReadingKind, slots: Optional[set]) -> None:
    reading = read_turn(Turn(question=question, text=text, intent=intent))
    assert reading.kind is kind, reading
    if slots is not None:
        assert set(reading.answers) == slots, reading.answers


def test_a_code_is_never_read_as_an_amount_at_the_otp_question() -> None:
    for intent in ("correct", "inform", "make_payment", "ask_balance", None):
        reading = read_turn(Turn(question="otp", text="483920", intent=intent))
        assert reading.kind is ANSWER and set(reading.answers) == {"otp"}


def test_the_intent_alone_changes_nothing() -> None:
    """A classifier that says "make_payment" or "correct" at a question, with nothing in the text, changes nothing."""
    for intent in ("make_payment", "correct", "inform"):
        reading = read_turn(Turn(question="phone_number", text="hmm let me think", intent=intent))
        assert reading.kind is NOTHING and not reading.answers


def test_a_change_at_the_otp_question_names_the_new_value() -> None:
    answers: Dict[str, str] = dict(read_turn(Turn("otp", "no wait, make it OneMoney", "deny")).answers)
    assert answers == {"payment_channel": "onemoney"}
