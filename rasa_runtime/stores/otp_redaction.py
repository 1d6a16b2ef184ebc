"""The OTP never reaches the conversation store: ``[OTP]`` is saved in its place.

An OTP is typed once, at the form's OTP question, and must reach the action
server in that same turn (which sends it to O'mari). Rasa then saves the
turn's events, and would keep the code in the user event's ``text`` and
``parse_data`` and in the ``otp`` slot event for as long as the store keeps
the conversation. So just before any save, whatever the tracker store
(SQLite, PostgreSQL, ...) and whoever saves (a turn, the HTTP API), the
tracker's events are redacted in place:

- every value the ``otp`` slot was given is replaced, in that slot event and
  wherever the same code appears in a user event;
- a user message sent while the form asked for the OTP has each group of 4-8
  digits (the OTP's shape, also "836 066") replaced, even one the validator
  refused: a mistyped code is still nearly the code. Longer groups (a phone
  number given as a correction) stay, so the conversation still reads;
- once the conversation has reached the OTP question, any later message that
  is nothing but one such group (a code sent again after the payment ended)
  is replaced too. An amount typed alone as 4+ digits then reads [OTP] in the
  history; its slot event keeps the amount.

Digits are read as the OTP parser reads them (parsing.text.clean_text): any
script's decimal digits ("٤٨٢٩١٣", "４８２９１３"), digits NFKC makes of other
characters, and invisible characters (zero-width spaces, soft hyphens, any
format or control character) inside a code: "48\u200b2913" is the code to
the parser, so it is a code here too.

Redacting is idempotent (``[OTP]`` holds no digits), so events saved by an
earlier turn are left as they are. A safety patch (rasa_runtime/patching.py),
installed by rasa_runtime.server; Rasa is not started if it does not fit.
"""
from __future__ import annotations

import enum
from typing import Any, Dict, Iterable, List, Set, Tuple

from parsing.text import clean_text
from rasa_runtime.patching import Originals, Patch, PatchKind, PatchOutcome, install

MARKER = "[OTP]"
OTP_SLOT = "otp"
REQUESTED_SLOT = "requested_slot"
CLOSED_PAYMENT_SLOT = "closed_payment"


class _Kind(enum.Enum):
    DIGITS = "digits"
    JOINER = "joiner"  # may sit inside a code: spaces, dashes, invisible characters
    OTHER = "other"


def _read(char: str) -> Tuple[_Kind, str]:
    """What the OTP parser makes of one character (parsing.text.clean_text), and its ASCII digits."""
    cleaned = clean_text(char)
    if cleaned and cleaned.isascii() and cleaned.isdigit():
        return _Kind.DIGITS, cleaned
    if cleaned.strip(" -") == "":
        return _Kind.JOINER, ""
    return _Kind.OTHER, ""


def digit_runs(text: str) -> List[Tuple[int, int, str]]:
    """Each group of digits joined only by spaces, dashes or invisible characters: (start, end, its ASCII digits)."""
    runs: List[Tuple[int, int, str]] = []
    start, end, digits = -1, -1, ""
    for index, char in enumerate(text):
        kind, value = _read(char)
        if kind is _Kind.DIGITS:
            if start < 0:
                start = index
            end, digits = index + 1, digits + value
        elif kind is _Kind.OTHER and start >= 0:
            runs.append((start, end, digits))
            start, end, digits = -1, -1, ""
    if start >= 0:
        runs.append((start, end, digits))
    return runs


def _otp_shaped(digits: str) -> bool:
    return 4 <= len(digits) <= 8


def _is_lone_code(text: Any) -> bool:
    if not isinstance(text, str):
        return False
    runs = digit_runs(text)
    if len(runs) != 1 or not _otp_shaped(runs[0][2]):
        return False
    start, end, _ = runs[0]
    return all(_read(char)[0] is _Kind.JOINER for char in text[:start] + text[end:])


def redact_text(text: Any, codes: Set[str], at_otp_question: bool) -> Any:
    """``text`` with every known code, and at the OTP question every OTP-shaped group, replaced."""
    if not isinstance(text, str):
        return text
    for start, end, digits in reversed(digit_runs(text)):
        if (at_otp_question and _otp_shaped(digits)) or digits in codes:
            text = text[:start] + MARKER + text[end:]
    for code in codes:
        text = text.replace(code, MARKER)
    return text


def _redact_user_event(event: Any, codes: Set[str], at_otp_question: bool) -> None:
    event.text = redact_text(event.text, codes, at_otp_question)
    parse_data = event.parse_data
    parse_data["text"] = redact_text(parse_data.get("text"), codes, at_otp_question)
    for entities in (event.entities, parse_data.get("entities") or []):
        for entity in entities:
            entity["value"] = redact_text(entity.get("value"), codes, at_otp_question)


def redact_events(events: Iterable[Any]) -> None:
    """Replace every OTP in these Rasa events (in conversation order) with ``[OTP]``, in place."""
    from rasa.shared.core.events import SlotSet, UserUttered

    events = list(events)
    codes = {str(e.value) for e in events if isinstance(e, SlotSet) and e.key == OTP_SLOT
             and e.value not in (None, MARKER)}
    requested, otp_asked = None, False
    for event in events:
        if isinstance(event, SlotSet):
            if event.key == REQUESTED_SLOT:
                requested = event.value
                otp_asked = otp_asked or requested == OTP_SLOT
            elif event.key == OTP_SLOT and event.value is not None:
                event.value = MARKER
            elif event.key == CLOSED_PAYMENT_SLOT and event.value:
                # A closed payment reached the OTP question, also in a session that
                # carried it over (rasa_runtime/turns/session_continuation.py) without that question.
                otp_asked = True
        elif isinstance(event, UserUttered):
            _redact_user_event(event, codes, requested == OTP_SLOT or (otp_asked and _is_lone_code(event.text)))


_SAVE = "rasa.core.tracker_store:FailSafeTrackerStore.save"


def _redacting_save(originals: Originals) -> Dict[str, Any]:
    original = originals[_SAVE]

    async def save(self: Any, tracker: Any) -> None:
        redact_events(tracker.events)
        await original(self, tracker)

    return {_SAVE: save}


OTP_REDACTION = Patch("OTP redaction", PatchKind.SAFETY, (_SAVE,), _redacting_save,
                      without_it="every OTP would be kept in the saved conversations")


def install_otp_redaction() -> PatchOutcome:
    """Redact every tracker just before Rasa's (fail-safe) tracker store saves it; raises PatchRefused if it cannot."""
    return install(OTP_REDACTION)
