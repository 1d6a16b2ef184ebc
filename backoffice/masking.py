"""How personal data is shown: phone numbers masked unless the role may see them whole."""
from __future__ import annotations

import re

_DIGITS = re.compile(r"\d")
# A run of 9+ digits (optionally with a + and spaces) is taken for a phone number in free text.
_PHONE_IN_TEXT = re.compile(r"\+?\d[\d ]{7,}\d")


def mask_phone(number: str) -> str:
    """``263772123456`` -> ``2637•••••456``: enough to tell two customers apart on the phone, no more."""
    digits = [c for c in number if c.isdigit()]
    if len(digits) < 7:
        return "•" * len(digits)
    return "".join(digits[:4]) + "•" * (len(digits) - 7) + "".join(digits[-3:])


def mask_phones_in_text(text: str) -> str:
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)


def shown_phone(number: str, full: bool) -> str:
    return number if full else mask_phone(number)
