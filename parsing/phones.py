"""Phone numbers: O'mari addresses a wallet by MSISDN, "2637" + 8 digits."""
from __future__ import annotations

import re
from typing import Dict, Optional

import phonenumbers

from parsing.references import reference_spans
from parsing.text import InvalidInput, blank_spans, clean_text

_BARE_NUMBER = re.compile(r"[+0-9\s().-]+")
_SENDER_SCHEME = re.compile(r"^[a-z]+:", re.IGNORECASE)  # "whatsapp:+2637..."


def normalise_msisdn(text: str) -> str:
    """Return the O'mari MSISDN ("263772123456") of the one phone number in ``text``."""
    cleaned = clean_text(text)
    # Reference serials ("T005-20260210") look like phone numbers to the matcher.
    cleaned = blank_spans(cleaned, reference_spans(cleaned))
    numbers: Dict[str, phonenumbers.PhoneNumber] = {
        phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164): match.number
        for match in phonenumbers.PhoneNumberMatcher(cleaned, "ZW", phonenumbers.Leniency.POSSIBLE)
    }
    bare = cleaned.strip()
    if not numbers and bare and _BARE_NUMBER.fullmatch(bare):
        # The matcher skips digits near things that look like dates; a reply
        # that is nothing but a number is still a number.
        try:
            numbers = {bare: phonenumbers.parse(bare, "ZW")}
        except phonenumbers.NumberParseException:
            pass
    if len(numbers) != 1:  # none, or two different numbers: do not pick one
        raise InvalidInput("not_a_phone_number")
    return _omari_msisdn(numbers.popitem()[1])


def _omari_msisdn(number: phonenumbers.PhoneNumber) -> str:
    if number.country_code != 263:
        raise InvalidInput("not_zimbabwe")
    national = str(number.national_number)
    # Judged by shape, not is_valid_number(): every Zimbabwe mobile is 7 + 8
    # digits, while phonenumbers' metadata can lag the operators' new ranges
    # and reject test numbers. No Zimbabwe landline has this shape.
    if len(national) == 9 and national.startswith("7"):
        return "263" + national
    if phonenumbers.is_valid_number(number):
        raise InvalidInput("not_mobile")
    raise InvalidInput("not_a_phone_number")


def zimbabwe_mobile_or_none(text: str) -> Optional[str]:
    """The MSISDN of a chat sender id ("263772000001", "whatsapp:+263772000001"), else None.

    Sender ids holding letters (REST channel uuids) are never read: the digits
    inside a uuid can look like a phone number.
    """
    candidate = _SENDER_SCHEME.sub("", clean_text(text).strip())
    if not candidate or not _BARE_NUMBER.fullmatch(candidate):
        return None
    try:
        return normalise_msisdn(candidate)
    except InvalidInput:
        return None
