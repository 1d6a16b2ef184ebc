"""Which customer messages a trainer should read, from a conversation's stored events (pure).

Rasa's tracker store keeps each user message with its ``parse_data`` and the
bot's answers after it. A message needs a trainer when the assistant
plainly did not understand it, or the customer's next move says so:

- NLU said ``nlu_fallback``; ``FallbackClassifier`` put it first and kept the
  intent it overrode at ``intent_ranking[1]`` (RasaHQ/rasa#6285), which is
  the guess reported here;
- the top intent's confidence was below a threshold (near misses above the
  fallback threshold are where wrong answers come from);
- the assistant answered "didn't catch that" or found no answer in it and
  asked the same question again;
- the customer's next message was a correction or a cancel.

Messages with none of these are understood well and left out. Events are
the dicts Rasa stores (``event``, ``text``, ``parse_data``, ``metadata``).
Each entry also carries the message's likely language (parsing/language.py's
best guess for reports), so trainers see which language's messages are missed.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence

from parsing.language import LanguageReader
from tools.inbox_redaction import redact_message

FALLBACK_INTENT = "nlu_fallback"
REQUESTED_SLOT = "requested_slot"
# Answers that mean "I found no answer in that", as opposed to an answer
# that was understood and refused (an amount above the balance): those are
# not the trainer's business.
NOT_UNDERSTOOD_RESPONSES = frozenset({
    "utter_default",
    "utter_invalid_booking_reference",
    "utter_invalid_amount_not_a_number",
    "utter_invalid_payment_channel",
    "utter_invalid_phone_number_not_a_phone_number",
    "utter_invalid_otp",
})
# The customer's next message says the last one went wrong.
CORRECTING_INTENTS = frozenset({"correct", "cancel"})
# Events after which no question is open any more.
RESETTING_EVENTS = frozenset({"session_started", "restart"})


class InboxReason(str, Enum):
    """Why a message is in the inbox; the values are what the file and table show."""

    FALLBACK = "fallback"
    LOW_CONFIDENCE = "low confidence"
    NOT_UNDERSTOOD = "didn't catch that"
    REASKED = "asked again"
    FOLLOWED_BY_CORRECTION = "then corrected"
    FOLLOWED_BY_CANCEL = "then cancelled"


@dataclass
class SeenMessage:
    """One user message as the assistant took it, already redacted."""

    text: str
    guessed_intent: str
    confidence: float
    requested_slot: Optional[str]
    timestamp: float
    reasons: List[InboxReason] = field(default_factory=list)


@dataclass
class InboxEntry:
    """The messages that read the same once case and spacing are normalised."""

    text: str
    guessed_intent: str
    confidence: float
    requested_slot: Optional[str]
    count: int
    reasons: List[InboxReason]
    # "en", "sn" or "nd": the best guess from the text; None when it is too short to tell.
    language: Optional[str] = None


def likely_language(text: str) -> Optional[str]:
    """The message's likely language code, for trainers; None for "ok", digits or a wallet name alone."""
    language = LanguageReader().likely_language(text)
    return language.value if language is not None else None


def printable(text: str) -> str:
    """One line without control characters: a NUL or a newline cannot sit in ``examples: |``."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def normalised(text: str) -> str:
    """How messages are counted as the same: case and spacing do not matter."""
    return " ".join(text.split()).casefold()


def guessed_intent(parse_data: Dict[str, Any]) -> tuple:
    """The intent the classifier chose and its confidence, before any fallback overrode it."""
    intent = parse_data.get("intent") or {}
    ranking = parse_data.get("intent_ranking") or []
    if intent.get("name") == FALLBACK_INTENT:
        overridden = [r for r in ranking if r.get("name") != FALLBACK_INTENT]
        if overridden:
            return overridden[0].get("name") or FALLBACK_INTENT, float(overridden[0].get("confidence") or 0.0)
        return FALLBACK_INTENT, 0.0
    return intent.get("name") or FALLBACK_INTENT, float(intent.get("confidence") or 0.0)


def _is_question_for(response: str, slot: Optional[str]) -> bool:
    return bool(slot) and (response.startswith(f"utter_ask_{slot}") or response == f"action_ask_{slot}")


class _Turn:
    """A user message and what the assistant did until the next one."""

    def __init__(self, event: Dict[str, Any], requested_slot: Optional[str]) -> None:
        self.event = event
        self.requested_slot = requested_slot
        self.responses: List[str] = []
        self.slot_after: Optional[str] = requested_slot

    @property
    def intent(self) -> Optional[str]:
        return ((self.event.get("parse_data") or {}).get("intent") or {}).get("name")

    def reasons(self, threshold: float, next_turn: Optional["_Turn"]) -> List[InboxReason]:
        parse_data = self.event.get("parse_data") or {}
        _, confidence = guessed_intent(parse_data)
        reasons = []
        if self.intent == FALLBACK_INTENT:
            reasons.append(InboxReason.FALLBACK)
        if confidence < threshold:
            reasons.append(InboxReason.LOW_CONFIDENCE)
        if NOT_UNDERSTOOD_RESPONSES.intersection(self.responses):
            reasons.append(InboxReason.NOT_UNDERSTOOD)
        elif self._asked_again():
            reasons.append(InboxReason.REASKED)
        if next_turn is not None and next_turn.intent in CORRECTING_INTENTS:
            reasons.append(InboxReason.FOLLOWED_BY_CANCEL if next_turn.intent == "cancel"
                           else InboxReason.FOLLOWED_BY_CORRECTION)
        return reasons

    def _asked_again(self) -> bool:
        """The open question, and nothing else, came back: the message answered nothing.

        A question answered mid-payment ("what's my balance?") is followed by
        its answer and then the question: that is understood, not asked again.
        """
        if not self.requested_slot or self.slot_after != self.requested_slot or not self.responses:
            return False
        return all(_is_question_for(r, self.requested_slot) for r in self.responses)


def _turns(events: Iterable[Dict[str, Any]]) -> Iterator[_Turn]:
    requested_slot: Optional[str] = None
    turn: Optional[_Turn] = None
    for event in events:
        kind = event.get("event")
        if kind in RESETTING_EVENTS:
            requested_slot = None
        elif kind == "slot" and event.get("name") == REQUESTED_SLOT:
            requested_slot = event.get("value")
        elif kind == "active_loop" and not event.get("name"):
            requested_slot = None
        elif kind == "user":
            if turn is not None:
                yield turn
            turn = _Turn(event, requested_slot)
            continue
        elif turn is not None and kind == "bot":
            response = (event.get("metadata") or {}).get("utter_action")
            if response:
                turn.responses.append(response)
        elif turn is not None and kind == "action":
            name = event.get("name") or ""
            if name.startswith("action_ask_"):
                turn.responses.append(name)
        if turn is not None:
            turn.slot_after = requested_slot
    if turn is not None:
        yield turn


def messages_needing_a_trainer(events: Sequence[Dict[str, Any]], threshold: float,
                               since: float = 0.0) -> List[SeenMessage]:
    """The user messages of one conversation (its events in order) a trainer should see."""
    turns = list(_turns(events))
    found = []
    for index, turn in enumerate(turns):
        text = turn.event.get("text") or ""
        # A tapped button sends "/intent{...}": no NLU ran, nothing to train.
        if not printable(text) or text.startswith("/") or float(turn.event.get("timestamp") or 0) < since:
            continue
        reasons = turn.reasons(threshold, turns[index + 1] if index + 1 < len(turns) else None)
        if not reasons:
            continue
        intent, confidence = guessed_intent(turn.event.get("parse_data") or {})
        found.append(SeenMessage(
            text=printable(redact_message(text, turn.requested_slot)),
            guessed_intent=intent, confidence=confidence, requested_slot=turn.requested_slot,
            timestamp=float(turn.event.get("timestamp") or 0), reasons=reasons,
        ))
    return found


def group_messages(messages: Iterable[SeenMessage], min_count: int = 1) -> List[InboxEntry]:
    """One entry per normalised text, most often seen first, then least confident."""
    groups: Dict[str, List[SeenMessage]] = {}
    for message in messages:
        groups.setdefault(normalised(message.text), []).append(message)
    entries = []
    for seen in groups.values():
        if len(seen) < min_count:
            continue
        reasons = [reason for reason in InboxReason if any(reason in m.reasons for m in seen)]
        text = Counter(m.text for m in seen).most_common(1)[0][0]
        entries.append(InboxEntry(
            text=text,
            guessed_intent=Counter(m.guessed_intent for m in seen).most_common(1)[0][0],
            confidence=sum(m.confidence for m in seen) / len(seen),
            requested_slot=Counter(m.requested_slot for m in seen).most_common(1)[0][0],
            count=len(seen), reasons=reasons, language=likely_language(text),
        ))
    return sorted(entries, key=lambda e: (-e.count, e.confidence, e.text))

