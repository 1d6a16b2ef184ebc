"""Phrases that are instructions rather than values: "cancel", "use this number".

The form's slots take free text at each question, so a few instructions must
be recognised in that text itself. NLU normally routes "cancel" to its own
rule first; this is the safety net that keeps it from ever reaching O'mari as
an OTP when the classifier is unsure.
"""
from __future__ import annotations

import re

from parsing.text import clean_text

_CANCEL = re.compile(
    r"^\W*(?:please\s+)?(?:cancel|cancle|canel|stop|quit|abort|exit|never\s*mind|forget\s+it)\b",
    re.IGNORECASE,
)
_SENDER_NUMBER = re.compile(
    r"\b(?:use\s+(?:this|my|the\s+same)\s+(?:number|no\.?|one)|same\s+(?:number|no\.?)|this\s+number"
    r"|(?:my\s+)?whatsapp\s+number)\b",
    re.IGNORECASE,
)


# Anywhere in a sentence ("no, just cancel it, my ecocash balance is too low"),
# in English, Shona (kanzura, misa, rega) and Ndebele (khansela, yima, yekela),
# unless negated ("don't cancel", "musa kukanzura").
_CANCEL_ANYWHERE = re.compile(
    r"(?P<negation>\b(?:don'?t|do\s+not|not|never|no\s+need\s+to|musa|usa|unga)\s+(?:\w+\s+)?)?"
    r"\b(?:cancel\w*|cancle|canel|abort|never\s*mind|forget\s+it|ku?kanzura|kanzurai|kanzuri|misa|"
    r"regedza|ndaregedza|ndasiya|siyai|khansela|ukukhansela|yima|yekela|ngiyekele|ngiyayekela|yekelani)\b",
    re.IGNORECASE,
)


def asks_for_sender_number(text: object) -> bool:
    """True when the customer means "the number I am writing from"."""
    cleaned = clean_text(text)
    return bool(_SENDER_NUMBER.search(cleaned)) and not any(char.isdigit() for char in cleaned)


def is_cancel_request(text: object) -> bool:
    """True when the message starts with a cancel word ("cancel", "stop", "never mind" …), or says cancel anywhere."""
    cleaned = clean_text(text)
    if _CANCEL.match(cleaned):
        return True
    return any(match.group("negation") is None for match in _CANCEL_ANYWHERE.finditer(cleaned))
