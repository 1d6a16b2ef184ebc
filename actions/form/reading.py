"""The payment form's turn reader: what a message means at the question being asked.

Every message sent while the payment form is open comes here, whatever the
classifier called it, and is read in this order (docs/training-data.md,
"How a message is read"):

1. **Cancel**: a cancel word that is not negated ("cancel", "stop", "misa",
   "yima"), or the ``cancel`` intent when the message holds no answer.
2. **A person**: the ``human_handoff`` intent when the message holds no answer.
   **A language**: "chiShona", "English please", "language" (the
   ``choose_language`` intent, which only a choice gets): said, then the
   question is asked again in that language, not counted.
3. **The answer to the question asked**: its parser finds exactly one value
   of the right shape. At the OTP question a lone 4–8 digit group is the OTP
   whatever the intent ("sorry, the code is 483920"); at the amount, channel
   and phone questions a message that reads as a question is never an answer.
4. **A change of another answer**: a reference, a number or a wallet named
   outright, or an amount with "make it", a currency or a pay word;
   honoured at every question, the phone and OTP questions included.
5. **A new code** ("I didn't get the SMS"): the intent and a word for a code.
6. **A reaction** ("ok", "👍"): the question is asked again, not counted.
7. **A question**: answered, then the question is asked again.
8. **Anything else**: the question is asked again, counted as a wrong answer.

The intent alone never restarts the form or turns a code into an amount.
Pure: parsers and cues only, so the order is table-tested without Rasa
(tests/unit/test_turn_reading.py).
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Dict, Optional

from parsing import (
    AmbiguousAmount,
    InvalidInput,
    amount_mentioned,
    asks_for_sender_number,
    find_booking_reference_key,
    is_cancel_request,
    is_reaction,
    normalise_msisdn,
    parse_amount,
    parse_channel,
    parse_otp,
)
from parsing.channels import named_channel
from parsing.cues import change_cue, code_cue, is_question, yes_or_no
from parsing.text import clean_text

CONFIRMATION_SLOT = "payment_confirmed"
# Intents that ask about something rather than answer the question.
QUESTION_INTENTS = frozenset({
    "ask_balance", "ask_otp_help", "ask_safety", "ask_omari", "ask_merchant", "ask_tours", "payment_status",
    "menu", "greet", "goodbye", "thank", "out_of_scope",
})
_AMOUNT_MARK = re.compile(r"\b(?:make\s+it|make\s+that|amount|pay|usd|zwg|zig|dollars?|bucks)\b|[$]", re.I)


class ReadingKind(str, enum.Enum):
    """What a message does at a question of the payment form."""

    CANCEL = "cancel"
    HANDOFF = "handoff"
    LANGUAGE = "language"  # a language chosen, or asked to choose: the question is asked again
    ANSWER = "answer"  # the question asked is answered (maybe other answers too)
    CHANGE = "change"  # another answer is changed; the question asked stays open
    CONFIRM = "confirm"  # "yes" to the summary said back before the OTP is requested
    CHANGE_WANTED = "change_wanted"  # "change" or "no" to the summary, with nothing named
    NEW_OTP = "new_otp"
    QUESTION = "question"
    REACTION = "reaction"
    NOTHING = "nothing"


@dataclass(frozen=True)
class Turn:
    """What the reader needs of a turn: the question asked, the message, and the classifier's intent."""

    question: Optional[str]  # the requested slot; None before the first question
    text: str
    intent: Optional[str] = None
    # The channel's own number can answer the phone question ("use this number", "yes").
    sender_number_offered: bool = False


@dataclass(frozen=True)
class Reading:
    kind: ReadingKind
    # slot -> the text its validator reads (the whole message, or the value found in it)
    answers: Dict[str, str] = field(default_factory=dict)
    question_intent: Optional[str] = None


def read_turn(turn: Turn) -> Reading:
    """Read ``turn`` in the documented order; see the module docstring."""
    text = clean_text(turn.text)
    answer = _answer_to_question(turn, text)
    if _cancels(turn, text, answer):
        return Reading(ReadingKind.CANCEL)
    if turn.intent == "human_handoff" and answer is None:
        return Reading(ReadingKind.HANDOFF)
    if turn.intent == "choose_language" and answer is None:
        return Reading(ReadingKind.LANGUAGE)
    others = _other_answers(turn, text)
    if answer is not None:
        if turn.question == CONFIRMATION_SLOT:
            return Reading(ReadingKind.CONFIRM) if not others else Reading(ReadingKind.CHANGE, others)
        return Reading(ReadingKind.ANSWER, {**others, turn.question or "": answer})
    if others:
        return Reading(ReadingKind.CHANGE, others)
    if turn.question == CONFIRMATION_SLOT and (yes_or_no(text) is False or _only_change_word(text)):
        return Reading(ReadingKind.CHANGE_WANTED)
    if turn.intent == "request_new_otp" and code_cue(text):
        return Reading(ReadingKind.NEW_OTP)
    if is_reaction(text):  # "👍", "ok": whatever the classifier made of it
        return Reading(ReadingKind.REACTION)
    if is_question(text) or turn.intent in QUESTION_INTENTS:
        return Reading(ReadingKind.QUESTION, question_intent=turn.intent)
    if turn.intent == "react":
        return Reading(ReadingKind.REACTION)
    return Reading(ReadingKind.NOTHING)


def _cancels(turn: Turn, text: str, answer: Optional[str]) -> bool:
    if is_cancel_request(text):
        return True
    return turn.intent == "cancel" and answer is None


def _only_change_word(text: str) -> bool:
    return bool(re.fullmatch(r"\W*(?:i\s+want\s+to\s+)?(?:change|edit|fix|chinja|shandura|guqula|tshintsha)"
                             r"(?:\s+(?:it|something|details|that))?\W*", text, re.I))


def _answer_to_question(turn: Turn, text: str) -> Optional[str]:
    """The text the asked question's validator should read, when the message answers it."""
    question = turn.question
    asking = is_question(text)
    if question == "booking_reference":
        key = find_booking_reference_key(text)
        return text if key else None
    if question == "otp":
        return _otp_answer(text)
    if question == CONFIRMATION_SLOT:
        return text if yes_or_no(text) is True else None
    if asking:
        return None  # "can I pay the rest next month?" is not "full balance"
    if question == "amount":
        return text if _reads_as_amount(text) else None
    if question == "payment_channel":
        try:
            parse_channel(text)
        except InvalidInput:
            return None
        return text
    if question == "phone_number":
        if asks_for_sender_number(text) or (turn.sender_number_offered and yes_or_no(text) is True):
            return text
        try:
            normalise_msisdn(text)
        except InvalidInput as error:
            # "0772 12" or "+27 82…" were meant as numbers: let the validator say what is wrong.
            return text if error.reason != "not_a_phone_number" else None
        return text
    return None


def _reads_as_amount(text: str) -> bool:
    try:
        parse_amount(text)
    except AmbiguousAmount:
        return True  # asked which reading was meant
    except InvalidInput as error:
        # "-5", "50.123" and "$50 for 2 people" were meant as amounts: the validator says why not.
        return error.reason != "not_a_number"
    return True


def _otp_answer(text: str) -> Optional[str]:
    """A lone 4–8 digit group, unless the message plainly changes the amount ("make it 3000 usd")."""
    try:
        parse_otp(text)
    except InvalidInput:
        return None
    if _AMOUNT_MARK.search(text) and not code_cue(text):
        return None
    if find_booking_reference_key(text) or _phone_in(text):
        return None
    return text


def _phone_in(text: str) -> Optional[str]:
    try:
        return normalise_msisdn(text)
    except InvalidInput:
        return None


def named_answers(turn: Turn) -> Dict[str, str]:
    """Answers named outright in the message (references, numbers, wallets), for the opening message too."""
    return _other_answers(turn, clean_text(turn.text))


def _other_answers(turn: Turn, text: str) -> Dict[str, str]:
    """Answers to questions other than the one asked, named outright in the message."""
    found: Dict[str, str] = {}
    question = turn.question
    if question != "booking_reference" and find_booking_reference_key(text):
        found["booking_reference"] = text
    if question != "phone_number" and _phone_in(text) and not (question == "otp" and _otp_answer(text)):
        found["phone_number"] = text
    channel = named_channel(text)
    if question != "payment_channel" and channel is not None:
        found["payment_channel"] = channel
    if question != "amount" and _amount_changed(turn, text):
        found["amount"] = text
    return found


def _amount_changed(turn: Turn, text: str) -> bool:
    """An amount named while another question is open: only with a plain marker, never an OTP's digits."""
    if turn.question == "otp" and _otp_answer(text):
        return False
    intent = "correct" if change_cue(text) else turn.intent
    if not amount_mentioned(text, intent):
        return False
    return bool(_AMOUNT_MARK.search(text)) or change_cue(text) or turn.question is None
