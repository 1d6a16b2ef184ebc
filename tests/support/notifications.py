"""Builders of WhatsApp Cloud API notifications, shaped like Meta's."""
from __future__ import annotations

import json
import time
from typing import Any, Dict, List, Optional

from rasa_runtime.whatsapp.signature import sign

PHONE_NUMBER_ID = "106540352242922"
APP_SECRET = "test-app-secret-7Hq"
VERIFY_TOKEN = "test-verify-token-Lm4"
ACCESS_TOKEN = "test-access-token-Xp2"


def text(sender: str, body: str, message_id: str, timestamp: Optional[int] = None) -> Dict[str, Any]:
    return {"from": sender, "id": message_id, "timestamp": str(timestamp or int(time.time())), "type": "text",
            "text": {"body": body}}


def button_reply(sender: str, payload: str, title: str, message_id: str) -> Dict[str, Any]:
    return {"from": sender, "id": message_id, "timestamp": str(int(time.time())), "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": {"id": payload, "title": title}}}


def list_reply(sender: str, payload: str, title: str, message_id: str) -> Dict[str, Any]:
    return {"from": sender, "id": message_id, "timestamp": str(int(time.time())), "type": "interactive",
            "interactive": {"type": "list_reply", "list_reply": {"id": payload, "title": title,
                                                                 "description": "d"}}}


def template_button(sender: str, payload: str, message_id: str) -> Dict[str, Any]:
    return {"from": sender, "id": message_id, "timestamp": str(int(time.time())), "type": "button",
            "button": {"payload": payload, "text": "Pay now"}}


def other(sender: str, kind: str, message_id: str) -> Dict[str, Any]:
    """An image, voice note, location, sticker …: not text."""
    return {"from": sender, "id": message_id, "timestamp": str(int(time.time())), "type": kind,
            kind: {"id": "media-1", "mime_type": "image/jpeg"}}


def status(message_id: str, state: str = "delivered") -> Dict[str, Any]:
    return {"id": message_id, "status": state, "timestamp": str(int(time.time())), "recipient_id": "263772000001"}


def notification(
    messages: List[Dict[str, Any]] = (),  # type: ignore[assignment]
    statuses: List[Dict[str, Any]] = (),  # type: ignore[assignment]
    phone_number_id: str = PHONE_NUMBER_ID,
    extra_changes: List[Dict[str, Any]] = (),  # type: ignore[assignment]
) -> Dict[str, Any]:
    value: Dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "263242000000", "phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": "Tariro"}, "wa_id": m.get("from")} for m in messages if m.get("from")],
    }
    if messages:
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    changes = [{"field": "messages", "value": value}, *extra_changes]
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA-1", "changes": changes}]}


def signed(payload: Dict[str, Any], secret: str = APP_SECRET) -> tuple:
    """(raw body, X-Hub-Signature-256 header) as Meta would send them."""
    raw = json.dumps(payload).encode()
    return raw, sign(secret, raw)
