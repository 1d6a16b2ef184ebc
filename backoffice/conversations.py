"""Conversations from Rasa's conversation store, as a trainer may read them: redacted, phones masked.

Read with SQLAlchemy on Rasa's ``events`` table (the SQLTrackerStore at
TRACKER_STORE_URL), like ``make nlu-inbox``; Rasa itself is never imported.
The store already keeps ``[OTP]`` instead of a code
(rasa_runtime/stores/otp_redaction.py); every user message also goes through
the inbox's redaction (tools/inbox_redaction.py: phone numbers become an
example number of the same shape, names an example name), and a conversation
is named by an opaque key, never by its sender id (a WhatsApp sender id is the
customer's number).
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, Iterator, List, Optional, Sequence

from sqlalchemy import MetaData, Table, create_engine, func, inspect, select
from sqlalchemy.pool import NullPool

from backoffice.masking import mask_phones_in_text
from common.sender_ids import channel_of
from tools.inbox_redaction import redact_message, redact_phone_numbers
from tools.inbox_turns import messages_needing_a_trainer

EVENTS_TABLE = "events"
KEPT_EVENTS = ("user", "bot", "slot", "action", "active_loop", "session_started", "restart")
LOW_CONFIDENCE = 0.7
FALLBACK_INTENT = "nlu_fallback"
MAX_CONVERSATIONS = 200


def conversation_key(sender_id: str) -> str:
    """The opaque name of a conversation in URLs and pages."""
    return hashlib.sha256(sender_id.encode("utf-8")).hexdigest()[:16]


@dataclass
class Turn:
    speaker: str  # "customer" or "assistant"
    text: str
    at: datetime
    intent: str = ""
    confidence: Optional[float] = None
    flagged: bool = False


@dataclass
class ConversationSummary:
    key: str
    channel: str
    last_at: datetime
    messages: int
    outcome: str
    fallbacks: int
    low_confidence: int


@dataclass
class Conversation:
    summary: ConversationSummary
    turns: List[Turn] = field(default_factory=list)


class ConversationReader:
    def __init__(self, store_url: str) -> None:
        self._engine = create_engine(store_url, poolclass=NullPool, future=True, hide_parameters=True)

    def dispose(self) -> None:
        self._engine.dispose()

    def recent(self, days: float, channel: str = "", outcome: str = "", trouble: str = "") -> List[ConversationSummary]:
        """Conversations with a message in the last ``days``, newest first, filtered.

        ``trouble``: ``fallback`` (NLU fell back) or ``low`` (a guess below 0.7).
        """
        found = []
        for sender, events in self._conversations(time.time() - days * 86400):
            summary = _summary(sender, events)
            if channel and summary.channel != channel:
                continue
            if outcome and summary.outcome != outcome:
                continue
            if trouble == "fallback" and not summary.fallbacks:
                continue
            if trouble == "low" and not summary.low_confidence:
                continue
            found.append(summary)
        return sorted(found, key=lambda s: s.last_at, reverse=True)[:MAX_CONVERSATIONS]

    def conversation(self, key: str, days: float) -> Optional[Conversation]:
        for sender, events in self._conversations(time.time() - days * 86400):
            if conversation_key(sender) == key:
                return Conversation(_summary(sender, events), list(_turns(events)))
        return None

    def events_since(self, days: float) -> Iterator[List[Dict[str, Any]]]:
        for _, events in self._conversations(time.time() - days * 86400):
            yield events

    def _conversations(self, since: float) -> Iterator[tuple]:
        if not inspect(self._engine).has_table(EVENTS_TABLE):
            return
        events = Table(EVENTS_TABLE, MetaData(), autoload_with=self._engine)
        recent = select(events.c.sender_id).where(events.c.timestamp >= since).distinct().scalar_subquery()
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(events.c.sender_id, events.c.data)
                .where(events.c.sender_id.in_(recent), events.c.type_name.in_(KEPT_EVENTS))
                .order_by(events.c.sender_id, events.c.id)
            ).all()
        current: Optional[str] = None
        batch: List[Dict[str, Any]] = []
        for sender, data in rows:
            if sender != current and current is not None:
                yield current, batch
                batch = []
            current = sender
            batch.append(json.loads(data))
        if current is not None:
            yield current, batch

    def bot_texts(self, sender_id: str, since: datetime, until: datetime) -> List[str]:
        if not inspect(self._engine).has_table(EVENTS_TABLE):
            return []
        events = Table(EVENTS_TABLE, MetaData(), autoload_with=self._engine)
        start = since.replace(tzinfo=timezone.utc).timestamp()
        end = until.replace(tzinfo=timezone.utc).timestamp()
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(events.c.data).where(events.c.sender_id == sender_id, events.c.type_name == "bot",
                                            events.c.timestamp >= start, events.c.timestamp <= end)
                .order_by(events.c.id).limit(50)
            ).scalars().all()
        texts = [json.loads(row).get("text") or "" for row in rows]
        return [mask_phones_in_text(redact_phone_numbers(t)) for t in texts if t]

    def count(self) -> int:
        if not inspect(self._engine).has_table(EVENTS_TABLE):
            return 0
        events = Table(EVENTS_TABLE, MetaData(), autoload_with=self._engine)
        with self._engine.connect() as connection:
            return int(connection.execute(select(func.count(func.distinct(events.c.sender_id)))).scalar_one())


def _at(event: Dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(float(event.get("timestamp") or 0), tz=timezone.utc).replace(tzinfo=None)


def _summary(sender: str, events: Sequence[Dict[str, Any]]) -> ConversationSummary:
    users = [e for e in events if e.get("event") == "user"]
    fallbacks = sum(1 for e in users
                    if ((e.get("parse_data") or {}).get("intent") or {}).get("name") == FALLBACK_INTENT)
    low = len(messages_needing_a_trainer(events, LOW_CONFIDENCE))
    outcome = ""
    for event in events:
        if event.get("event") == "slot" and event.get("name") == "payment_outcome" and event.get("value"):
            outcome = str(event["value"])
    return ConversationSummary(
        key=conversation_key(sender), channel=channel_of(sender) or "unknown",
        last_at=_at(events[-1]) if events else datetime.fromtimestamp(0),
        messages=len(users), outcome=outcome, fallbacks=fallbacks, low_confidence=low,
    )


def _turns(events: Sequence[Dict[str, Any]]) -> Iterator[Turn]:
    requested_slot: Optional[str] = None
    for event in events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "requested_slot":
            requested_slot = event.get("value")
        elif kind == "user":
            parse = event.get("parse_data") or {}
            intent = (parse.get("intent") or {})
            confidence = intent.get("confidence")
            text = redact_message(event.get("text") or "", requested_slot)
            yield Turn("customer", mask_phones_in_text(text), _at(event), intent.get("name") or "",
                       float(confidence) if confidence is not None else None,
                       flagged=intent.get("name") == FALLBACK_INTENT
                       or (confidence is not None and float(confidence) < LOW_CONFIDENCE))
        elif kind == "bot" and event.get("text"):
            yield Turn("assistant", mask_phones_in_text(redact_phone_numbers(event["text"])), _at(event))


def told_in_conversation(reader: ConversationReader, sender_id: str, since: datetime, until: datetime) -> List[str]:
    """What the assistant said to ``sender_id`` between two times (a payment's life), phones masked."""
    return reader.bot_texts(sender_id, since, until)
