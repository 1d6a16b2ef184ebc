"""Personal data out of a customer's message before a trainer reads it (pure; no Rasa).

The NLU inbox (tools/nlu_inbox.py) shows trainers what real customers typed.
A trainer needs the *shape* of what was typed (a number written as
``0772 123 456`` or ``+263772123456``, a name after "my name is"), never
whose it was. So a phone number becomes a fixed example number with the same
digits count, prefix and separators, and a name the customer gave becomes a
fixed example name. OTPs never reach the conversation store
(rasa_runtime/stores/otp_redaction.py); a code-like figure typed at the OTP question is
replaced here too, in case a store predates that.
"""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

import phonenumbers

DEFAULT_REGION = "ZW"
# The docs' example number, so a redacted message reads like the docs.
EXAMPLE_NATIONAL_NUMBER = "772123456"
EXAMPLE_FIRST_NAME = "Rudo"
EXAMPLE_SURNAME = "Dube"
OTP_PLACEHOLDER = "[OTP]"

# Cues after which the next one or two words are the customer's name, in
# English, Shona ("zita rangu ndi", "ndini") and Ndebele ("ibizo lami ngu",
# "ngingu"). Only cues that rarely precede anything but a name: "I am" and
# "this is" are also followed by "paying" or "wrong", so they count only
# before a capitalised word.
_ANY_CASE_CUES = (r"my\s+name\s+is|my\s+names?\s+are|name'?s|zita\s+rangu\s+ndi|zita\s+rangu\s+ndinonzi|ndinonzi|ndini"
                  r"|ibizo\s+lami\s+ngu|ngingu|igama\s+lami\s+ngu")
_CAPITALISED_CUES = r"i\s+am|i'?m|this\s+is|it'?s"
_WORD = r"[^\W\d_][^\W\d_'-]*"
# Words that follow a cue without being a name.
_NOT_NAMES = {
    "and", "from", "for", "the", "a", "an", "not", "here", "paying", "trying", "on", "at", "in",
    "with", "my", "your", "booking", "sure", "ok", "okay", "fine", "good", "still", "waiting",
    "ready", "done", "sorry", "calling", "sending", "i", "is", "to", "of", "please", "pls",
}
_NAME_AFTER_ANY_CASE = re.compile(rf"(?i:\b(?:{_ANY_CASE_CUES}))\s+(?P<names>{_WORD}(?:\s+{_WORD})?)")
_NAME_AFTER_CAPITALISED = re.compile(
    rf"(?i:\b(?:{_CAPITALISED_CUES}))\s+(?P<names>[A-Z][^\W\d_'-]+(?:\s+[A-Z][^\W\d_'-]+)?)"
)
# What an OTP looks like when typed at the OTP question (rasa_runtime/stores/otp_redaction.py does the same).
_CODE = re.compile(r"(?<!\d)\d(?:[ -]?\d){3,7}(?!\d)")


def redact_message(text: str, requested_slot: Optional[str] = None, region: str = DEFAULT_REGION) -> str:
    """``text`` with phone numbers, names and (at the OTP question) codes replaced."""
    redacted = redact_phone_numbers(text, region)
    redacted = redact_names(redacted)
    if requested_slot == "otp":
        redacted = _CODE.sub(OTP_PLACEHOLDER, redacted)
    return redacted


def redact_phone_numbers(text: str, region: str = DEFAULT_REGION) -> str:
    """Every phone number phonenumbers finds becomes the example number, in the same shape."""
    spans: List[Tuple[int, int, str]] = [
        (match.start, match.end, example_in_shape_of(match.raw_string, match.number))
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE)
    ]
    for start, end, replacement in reversed(spans):
        text = text[:start] + replacement + text[end:]
    return text


def example_in_shape_of(raw: str, number: phonenumbers.PhoneNumber) -> str:
    """A fixed example number written like ``raw``: same separators, prefix and digit count.

    ``0712-000-002`` becomes ``0772-123-456``; ``+263 71 200 0002`` becomes
    ``+263 77 212 3456``; a number of another country keeps its country code.
    """
    digits = [c for c in raw if c.isdigit()]
    country = str(number.country_code)
    written = "".join(digits)
    international = raw.lstrip().startswith("+") or len(written) > len(EXAMPLE_NATIONAL_NUMBER) + 1
    if written.startswith(country) and international:
        example = country + EXAMPLE_NATIONAL_NUMBER
    elif written.startswith("0"):
        example = "0" + EXAMPLE_NATIONAL_NUMBER
    else:
        example = EXAMPLE_NATIONAL_NUMBER
    # Same digit count as typed, so the shape (and any length a regex checks) is kept.
    example = (example + "0" * len(digits))[: len(digits)]
    replacement = iter(example)
    return "".join(next(replacement) if c.isdigit() else c for c in raw)


def redact_names(text: str) -> str:
    """A name given after "my name is", "ndini", "I'm <Capitalised>"… becomes the example name."""
    for pattern in (_NAME_AFTER_ANY_CASE, _NAME_AFTER_CAPITALISED):
        text = pattern.sub(_replace_names, text)
    return text


def _replace_names(match: "re.Match[str]") -> str:
    words = match.group("names").split()
    kept = []
    for word in words:
        if word.lower() in _NOT_NAMES or word in (EXAMPLE_FIRST_NAME, EXAMPLE_SURNAME):
            break
        kept.append(word)
    if not kept:
        return match.group(0)
    examples = [EXAMPLE_FIRST_NAME, EXAMPLE_SURNAME][: len(kept)]
    names_start = match.start("names") - match.start(0)
    rest = " ".join(words[len(kept):])
    return match.group(0)[:names_start] + " ".join(examples) + (" " + rest if rest else "")
