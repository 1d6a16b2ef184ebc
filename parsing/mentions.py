"""Whether a message that answers another question also names an amount.

At the amount question the whole reply is the amount. Anywhere else ("pay 50
usd for BK-T005-20260210", "actually make it 30" at the OTP question) a number
is only taken as the amount when the customer plainly meant one: a currency
marks it, the message is a payment request or a correction, or "pay" is
said. Booking references and phone numbers are blanked out by the amount
parser itself, so their digits are never read as an amount.
"""
from __future__ import annotations

import re
from typing import Optional

from parsing.amounts import parse_amount
from parsing.text import InvalidInput, clean_text

# Intents whose messages may carry an amount without a currency.
_AMOUNT_INTENTS = frozenset({"make_payment", "correct"})
_PAY_WORD = re.compile(r"\b(?:pay|paying|send|sending)\b", re.IGNORECASE)
# A share of the balance only counts when it is named outright: "pay my
# balance" opens a payment, it does not choose the full balance.
_NAMED_SHARE = re.compile(
    r"\b(?:(?:full|whole|entire)\s+(?:balance|amount)|deposit|half|all\s+of\s+it)\b", re.IGNORECASE
)


def amount_mentioned(text: object, intent: Optional[str]) -> bool:
    """True when ``text`` names an amount the customer meant to pay.

    Only says *whether*; the validator parses and checks the amount itself,
    so what counts as an amount is decided in one place (parse_amount).
    """
    cleaned = clean_text(text)
    try:
        choice = parse_amount(cleaned)
    except InvalidInput as error:
        # "-5" or "50.123" were meant as amounts: let the validator explain.
        # "$1.500" (1.50 or 1,500?) too: the validator asks which was meant.
        marked = bool(getattr(error, "currencies", None))
        return error.reason != "not_a_number" and (
            marked or intent in _AMOUNT_INTENTS or bool(_PAY_WORD.search(cleaned))
        )
    if choice.value is None:
        return bool(_NAMED_SHARE.search(cleaned))
    return bool(choice.currencies) or intent in _AMOUNT_INTENTS or bool(_PAY_WORD.search(cleaned))
