"""Reactions: an emoji, a sticker's text, "ok", "lol" -- messages that answer nothing.

On WhatsApp people acknowledge a message with "👍" or "ok" as they would a
friend's. Such a message must never start a payment, and in the middle of
one it is not a wrong answer: the form asks its question again without
counting it (actions/form/validator.py). NLU has a ``react`` intent for
these; this pure check is the safety net for when the classifier is unsure,
so a "👍" is never read as a booking reference, an amount or an OTP.
"""
from __future__ import annotations

import re
import unicodedata

from parsing.text import clean_text

# Words people send as a reaction on their own, as typed on WhatsApp.
# "ok" is here, not a yes: the assistant never asks a question that "ok"
# answers, and "yes" / "yebo" / "ehe" still do.
_REACTION_WORDS = re.compile(
    r"^(?:o+k+|o+k+a+y+|oky|okey|k+|kk+|ok+\s*ok+|a+l+r+i+g+h+t+|aight|lo+l+|lmao+|lmfao|rofl"
    r"|(?:ha)+h?|(?:he)+h?|(?:hi){2,}|(?:ja){2,}|hm+|hmm+|mm+|e+h+|o+h+|a+h+|wo+w+|nice|cool|kool"
    r"|sticker|gif|emoji|thumbs\s*up|👍)$",
    re.IGNORECASE,
)


def is_reaction(text: object) -> bool:
    """True when the message is only emoji/symbols, or one reaction word ("ok", "lol")."""
    cleaned = clean_text(text).strip()
    if not cleaned:
        return False
    without_marks = re.sub(r"[\s.!?,~*_-]+", " ", cleaned).strip()
    if not without_marks:
        return False  # "?" or "..." is a question or a pause, answered by the usual reprompt
    if all(_is_symbol(char) for char in without_marks.replace(" ", "")):
        return True
    words = re.sub(r"[^\w\s]", "", without_marks, flags=re.UNICODE).strip()
    return bool(_REACTION_WORDS.match(words))


def _is_symbol(char: str) -> bool:
    """Emoji, skin tones, joiners and other pictographs, but never a digit or a letter."""
    return unicodedata.category(char) in {"So", "Sk", "Sm", "Mn", "Me", "Cf"} or char in "\u200d\ufe0f"

