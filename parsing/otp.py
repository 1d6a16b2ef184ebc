"""One-time passwords: the 4-8 digit code O'mari texts to the customer."""
from __future__ import annotations

import re

from parsing.references import reference_spans
from parsing.text import InvalidInput, blank_spans, clean_text

_DIGIT_GROUP = re.compile(r"[0-9](?:[\s-]*[0-9])*")


def parse_otp(text: str) -> str:
    """Return the code in ``text``, joining digits split by spaces or dashes ("836 066").

    Two separate digit groups ("836066 and 123456") are refused rather than
    guessed between: a wrong code costs the customer one of few attempts.
    """
    cleaned = clean_text(text)
    cleaned = blank_spans(cleaned, reference_spans(cleaned))
    groups = _DIGIT_GROUP.findall(cleaned)
    digits = re.sub(r"[^0-9]", "", groups[0]) if len(groups) == 1 else ""
    if not 4 <= len(digits) <= 8:
        raise InvalidInput("not_an_otp")
    return digits
