"""What every parser shares: the error it raises and the cleaning it starts with."""
from __future__ import annotations

import unicodedata
from typing import Iterable, Tuple

# Replies longer than this are not answers to a form question; reading only
# their start keeps a 10,000-character paste as cheap as a short reply.
MAX_TEXT_CHARS = 500


class InvalidInput(ValueError):
    """The text cannot be read as the wanted value.

    `.reason` is a short machine code the form validator maps to a customer message.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def clean_text(text: object) -> str:
    """NFKC-normalise, make every decimal digit ASCII and every dash "-", drop control characters.

    Slot values can be None or a list when a slot is filled oddly; they read as
    empty text, so each parser fails with its own reason instead of a TypeError.
    """
    if not isinstance(text, str):
        return ""
    # Cut before normalising so huge input costs nothing, and again after,
    # because NFKC can expand one character into many.
    text = unicodedata.normalize("NFKC", text[:MAX_TEXT_CHARS])[:MAX_TEXT_CHARS]
    return "".join(_clean_char(char) for char in text)


def _clean_char(char: str) -> str:
    if char.isdecimal():  # "٥" and "५" are 5 to the customer, so to us too
        return str(unicodedata.decimal(char))
    if char.isspace():
        return " "
    if unicodedata.category(char) == "Pd":  # en and em dashes, as phones autocorrect "BK-T005"
        return "-"
    if unicodedata.category(char).startswith("C"):  # control, format, unassigned
        return ""
    return char


def blank_spans(text: str, spans: Iterable[Tuple[int, int]]) -> str:
    """Replace each span with spaces, so its digits are not read as something else.

    Spaces keep the other offsets valid and keep the words around a span apart.
    """
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text
