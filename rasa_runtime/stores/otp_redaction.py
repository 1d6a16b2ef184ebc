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

Redacting is idempotent (``[OTP]`` holds no digits), so events saved by an
earlier turn are left as they are. A safety patch (rasa_runtime/patching.py),
installed by rasa_runtime.server; Rasa is not started if it does not fit.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, Set

from rasa_runtime.patching import Originals, Patch, PatchKind, PatchOutcome, install

MARKER = "[OTP]"
OTP_SLOT = "otp"
REQUESTED_SLOT = "requested_slot"
CLOSED_PAYMENT_SLOT = "closed_payment"
# Digit groups as parse_otp reads them (parsing/otp.py), bounded by non-digits.
_DIGIT_GROUP = re.compile(r"(?<![0-9])[0-9](?:[\s-]*[0-9])*(?![0-9])")


def _is_lone_code(text: Any) -> bool:
    match = _DIGIT_GROUP.fullmatch(text.strip()) if isinstance(text, str) else None
    return match is not None and _otp_shaped(match) == MARKER


def _otp_shaped(match: "re.Match[str]") -> str:
    digits = re.sub(r"[^0-9]", "", match.group(0))
    return MARKER if 4 <= len(digits) <= 8 else match.group(0)


def redact_text(text: Any, codes: Set[str], at_otp_question: bool) -> Any:
    """``text`` with every known code, and at the OTP question every OTP-shaped group, replaced."""
    if not isinstance(text, str):
        return text
    if at_otp_question:
        text = _DIGIT_GROUP.sub(_otp_shaped, text)
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
