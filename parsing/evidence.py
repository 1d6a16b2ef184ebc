"""Whether a message's own words back the classifier's booking intent: the second signal.

The classifier's intent is one signal; the text is the other. A payment, a
booking's balance, a payment's state or a new code is given only when both
agree (docs/understanding.md). One function per booking intent, used by the
actions that answer them and by the NLU gate, which judges the assistant on
everyday requests by the same rule (tools/nlu_gate.py).

Pure: parsers and cues only.
"""
from __future__ import annotations

from typing import Optional

from parsing.channels import named_channel
from parsing.cues import (
    about_wallet_not_booking,
    booking_cue,
    change_cue,
    code_cue,
    is_question,
    names_other_payee,
    payment_cue,
    status_cue,
    words_of,
)
from parsing.mentions import amount_mentioned
from parsing.phones import normalise_msisdn
from parsing.references import find_booking_reference_key
from parsing.text import InvalidInput

# Intents whose messages may open a payment, given evidence.
PAYMENT_INTENTS = frozenset({"make_payment", "inform", "correct"})
# A question about a trip rather than a request to pay on one.
_TRIP_WORDS = frozenset({
    "price", "prices", "cost", "costs", "much", "fee", "fees", "charge", "charges", "rate", "rates",
    "itinerary", "visa", "visas", "shuttle", "transfer", "transfers", "pickup", "pick", "include", "included",
    "includes", "bring", "pack", "depart", "departs", "leave", "leaves", "meals", "accommodation", "discount",
    "refund", "refunds", "marii", "malini", "imalini",
})
_OWED_WORDS = frozenset({"owe", "owing", "balance", "outstanding", "left", "remaining", "rest", "yasara",
                         "eseleyo", "bharanzi", "ibhalansi", "my"})


def is_trip_question(text: str) -> bool:
    """"How much do I pay for the Victoria Falls trip?": a question about a trip, not a payment on a booking."""
    words = set(words_of(text))
    return is_question(text) and bool(words & _TRIP_WORDS) and not words & _OWED_WORDS


def names_a_booking(text: str) -> bool:
    return find_booking_reference_key(text) is not None


def backs_a_payment(text: str, intent: Optional[str]) -> bool:
    """The text backs a payment: a reference, or (with an answer-like intent) a payment word about a
    booking, or an amount with a wallet."""
    if names_a_booking(text):
        return True
    if intent not in PAYMENT_INTENTS or is_trip_question(text) or names_other_payee(text):
        return False
    return payment_cue(text) or (amount_mentioned(text, intent) and named_channel(text) is not None)


def backs_a_balance(text: str) -> bool:
    """The text asks about a booking's money, not a bank's or a wallet's."""
    if names_a_booking(text):
        return True
    if names_other_payee(text) or about_wallet_not_booking(text):
        return False
    return payment_cue(text) or booking_cue(text)


def backs_a_status(text: str) -> bool:
    """The text asks whether a payment went through."""
    return status_cue(text)


def backs_a_new_code(text: str) -> bool:
    """The text asks for O'mari's code (not a wifi password)."""
    return code_cue(text)


def taken_for_a_booking_request(text: str, intent: Optional[str]) -> bool:
    """Would the assistant, outside a payment, treat this message as a booking request?

    A payment started, a booking's balance shown (or its reference asked for), a payment's
    state told, or a new code offered: each needs the classifier's intent and the text's backing.
    """
    if intent in PAYMENT_INTENTS:
        return backs_a_payment(text, intent)
    if intent == "ask_balance":
        return backs_a_balance(text)
    if intent == "payment_status":
        return backs_a_status(text)
    if intent == "request_new_otp":
        return backs_a_new_code(text)
    return names_a_booking(text)  # a reference starts a payment whatever the intent


def names_an_answer(text: str) -> bool:
    """A booking reference, a phone number, a wallet, or an amount given as a change ("make it 70 dollars")."""
    if names_a_booking(text) or named_channel(text) is not None:
        return True
    if change_cue(text) and amount_mentioned(text, "correct"):
        return True
    try:
        normalise_msisdn(text)
    except InvalidInput:
        return False
    return True


def backs_instead_of_out_of_scope(text: str, intent: Optional[str]) -> bool:
    """Out of scope is one signal too: does the text back the classifier's next guess instead?

    "how much is my balance" or "no wait make it 70 dollars" read as everyday
    requests to a classifier that has seen thousands of them; their words name
    a booking's money or an answer. Only the runner-up booking intent, backed
    by the same evidence as above, replaces out of scope, so a bank's balance
    or a phone bill stays out of scope.
    """
    if intent in ("inform", "correct"):
        return backs_a_payment(text, intent) or names_an_answer(text)
    if intent == "make_payment":
        return backs_a_payment(text, intent)
    if intent == "ask_balance":
        return backs_a_balance(text)
    if intent == "request_new_otp":
        return backs_a_new_code(text)
    # Not payment_status: its cue ("status", "confirm", "did it go through") is as common in
    # everyday requests (an online order, a restaurant reservation) as in ours.
    return False
