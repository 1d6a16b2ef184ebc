"""Turn a WhatsApp Cloud API notification into the messages the assistant answers.

Pure functions over the decoded JSON: no I/O, so every shape Meta sends is
unit-tested. A notification batches entries, changes and messages; delivery
receipts (`statuses`) and messages addressed to another business number are
dropped here, and anything malformed is skipped rather than raised, because an
exception would turn into a non-200 and a redelivery storm.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional

# The sender's answer for each interactive reply kind is the id we sent, which
# is the Rasa button's payload ("/make_payment", "Ecocash", "full balance").
_INTERACTIVE_REPLY_KINDS = ("button_reply", "list_reply")


@dataclass(frozen=True)
class InboundMessage:
    """One customer message, reduced to what the assistant needs."""

    message_id: str
    # The phone number ("263772000001") or, for a user with a WhatsApp
    # username and no visible number, the business-scoped id ("US.1349…").
    sender_id: str
    timestamp: int
    message_type: str
    # What the assistant is told the customer said; None when the type is not
    # something it can read (image, voice note, location …).
    text: Optional[str]

    @property
    def is_readable(self) -> bool:
        return self.text is not None


def _as_list(value: Any) -> List[Any]:
    return value if isinstance(value, list) else []


def _as_dict(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def message_text(message: Dict[str, Any]) -> Optional[str]:
    """The text a message means to the assistant, or None when it is not text."""
    kind = message.get("type")
    if kind == "text":
        body = _as_dict(message.get("text")).get("body")
        return body if isinstance(body, str) and body.strip() else None
    if kind == "interactive":
        interactive = _as_dict(message.get("interactive"))
        reply = _as_dict(interactive.get(str(interactive.get("type"))))
        if interactive.get("type") in _INTERACTIVE_REPLY_KINDS:
            chosen = reply.get("id") or reply.get("title")
            return str(chosen) if chosen else None
        return None
    if kind == "button":  # a quick-reply tap on a template message
        button = _as_dict(message.get("button"))
        chosen = button.get("payload") or button.get("text")
        return str(chosen) if chosen else None
    return None


def _sender(message: Dict[str, Any]) -> Optional[str]:
    sender = message.get("from") or message.get("from_user_id")
    return str(sender).strip() if sender and str(sender).strip() else None


def _timestamp(message: Dict[str, Any]) -> Optional[int]:
    try:
        return int(str(message.get("timestamp")))
    except ValueError:
        return None


def _message_values(notification: Dict[str, Any], phone_number_id: str) -> Iterator[Dict[str, Any]]:
    for entry in _as_list(notification.get("entry")):
        for change in _as_list(_as_dict(entry).get("changes")):
            change = _as_dict(change)
            if change.get("field", "messages") != "messages":
                continue
            value = _as_dict(change.get("value"))
            addressed_to = str(_as_dict(value.get("metadata")).get("phone_number_id", ""))
            if addressed_to != phone_number_id:
                continue  # another number on the same app: not ours to answer
            yield value


def inbound_messages(notification: Any, phone_number_id: str) -> List[InboundMessage]:
    """Every customer message in ``notification`` for our number, in the order sent.

    ``statuses`` (sent / delivered / read / failed receipts) are ignored.
    """
    found: List[InboundMessage] = []
    for value in _message_values(_as_dict(notification), phone_number_id):
        for message in _as_list(value.get("messages")):
            message = _as_dict(message)
            message_id, sender, timestamp = message.get("id"), _sender(message), _timestamp(message)
            if not message_id or not sender or timestamp is None:
                continue
            found.append(
                InboundMessage(
                    message_id=str(message_id),
                    sender_id=sender,
                    timestamp=timestamp,
                    message_type=str(message.get("type") or "unknown"),
                    text=message_text(message),
                )
            )
    return found


def is_too_old(message: InboundMessage, now: float, max_age_seconds: int) -> bool:
    """A redelivery of a message sent long ago: answering it now would confuse."""
    return now - message.timestamp > max_age_seconds
