"""Shape the assistant's replies into WhatsApp Cloud API message objects.

Pure functions, so every limit is unit-tested: Meta rejects a whole message
(error 131009 / 100) when one title is a character too long, and the customer
then sees nothing. Rasa buttons become reply buttons (1-3) or a list (4-10);
more than ten become a list of the first nine plus the rest as numbered text.
The question's text goes into the interactive body, never a separate message
that could arrive after the buttons.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Sequence, Tuple

logger = logging.getLogger(__name__)

TEXT_MAX = 4096
BODY_MAX = 1024
MAX_REPLY_BUTTONS = 3
REPLY_TITLE_MAX = 20
REPLY_ID_MAX = 256
MAX_LIST_ROWS = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
ROW_ID_MAX = 200
LIST_BUTTON_LABEL = "Choose"  # ≤ 20 characters
ROWS_WITH_FALLBACK = 9
DEFAULT_BODY = "Please choose:"
_PHONE_NUMBER = re.compile(r"^\d{6,15}$")

Message = Dict[str, Any]


def is_phone_number(sender_id: str) -> bool:
    """True for a wa_id ("263772000001"); False for a business-scoped id ("US.1349…")."""
    return bool(_PHONE_NUMBER.match(sender_id or ""))


def addressed(recipient_id: str, message: Message) -> Message:
    """``message`` with Meta's envelope: ``to`` for a phone number, else ``recipient``."""
    envelope: Message = {"messaging_product": "whatsapp", "recipient_type": "individual"}
    envelope["to" if is_phone_number(recipient_id) else "recipient"] = recipient_id
    body = {k: v for k, v in message.items() if k not in ("messaging_product", "to", "recipient")}
    return {**envelope, **body}


def trim(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, marked with an ellipsis when cut."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def split_text(text: str, limit: int = TEXT_MAX) -> List[str]:
    """Split a long text into parts of at most ``limit``, at paragraph, line or word breaks."""
    rest = (text or "").strip()
    parts: List[str] = []
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            position = window.rfind(separator)
            if position > limit // 2:
                cut = position
                break
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def text_messages(text: str) -> List[Message]:
    return [{"type": "text", "text": {"preview_url": False, "body": part}} for part in split_text(text)]


def unique_titles(titles: Sequence[str], limit: int) -> List[str]:
    """Titles trimmed to ``limit`` and made unique (WhatsApp refuses duplicates)."""
    result: List[str] = []
    for title in titles:
        candidate = trim(title, limit) or "Option"
        number = 2
        while candidate in result:
            suffix = f" ({number})"
            candidate = trim(title, limit - len(suffix)) + suffix
            number += 1
        result.append(candidate)
    return result


def _button_id(button: Dict[str, Any], limit: int) -> str:
    """The id a tap sends back: the Rasa payload, so the assistant gets what it expects."""
    payload = str(button.get("payload") or button.get("title") or "")
    if len(payload) > limit:
        logger.warning("WhatsApp: a button payload is longer than %d characters; the tap sends its title", limit)
        payload = trim(str(button.get("title") or ""), limit)
    return payload


def _body_and_preamble(text: str) -> Tuple[List[Message], str]:
    """The interactive body (≤ 1024) and any text that must go before it."""
    parts = split_text(text or "", BODY_MAX)
    if not parts:
        return [], DEFAULT_BODY
    return [m for part in parts[:-1] for m in text_messages(part)], parts[-1]


def reply_buttons(body: str, buttons: Sequence[Dict[str, Any]]) -> Message:
    titles = unique_titles([str(b.get("title") or b.get("payload") or "") for b in buttons], REPLY_TITLE_MAX)
    return {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": _button_id(button, REPLY_ID_MAX), "title": title}}
                    for button, title in zip(buttons, titles, strict=True)
                ]
            },
        },
    }


def _row(button: Dict[str, Any], title: str) -> Dict[str, Any]:
    row: Dict[str, Any] = {"id": _button_id(button, ROW_ID_MAX), "title": title}
    full_title = " ".join(str(button.get("title") or "").split())
    description = button.get("description") or (full_title if full_title != title else "")
    if description:
        row["description"] = trim(str(description), ROW_DESCRIPTION_MAX)
    return row


def list_message(body: str, buttons: Sequence[Dict[str, Any]], label: str = LIST_BUTTON_LABEL) -> Message:
    titles = unique_titles([str(b.get("title") or b.get("payload") or "") for b in buttons], ROW_TITLE_MAX)
    return {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": body},
            "action": {
                "button": trim(label, REPLY_TITLE_MAX) or LIST_BUTTON_LABEL,
                "sections": [{"rows": [_row(button, title) for button, title in zip(buttons, titles, strict=True)]}],
            },
        },
    }


def numbered_fallback(buttons: Sequence[Dict[str, Any]], first_number: int) -> str:
    lines = [f"{first_number + i}. {b.get('title') or b.get('payload')}" for i, b in enumerate(buttons)]
    return "More options (type the one you want):\n" + "\n".join(lines)


def messages_for_buttons(
    text: str, buttons: Sequence[Dict[str, Any]], list_label: str = LIST_BUTTON_LABEL
) -> List[Message]:
    """The WhatsApp messages for a question with Rasa buttons, in sending order.

    ``list_label`` opens a list of four or more: the response gives it in the
    conversation's language (its ``metadata.list_button``, tools/translations.py).
    """
    buttons = [b for b in buttons if isinstance(b, dict)]
    if not buttons:
        return text_messages(text)
    if len(buttons) > MAX_LIST_ROWS:
        shown, rest = buttons[:ROWS_WITH_FALLBACK], buttons[ROWS_WITH_FALLBACK:]
        text = f"{text}\n\n{numbered_fallback(rest, ROWS_WITH_FALLBACK + 1)}" if text else numbered_fallback(
            rest, ROWS_WITH_FALLBACK + 1
        )
        buttons = shown
    preamble, body = _body_and_preamble(text)
    if len(buttons) <= MAX_REPLY_BUTTONS:
        return preamble + [reply_buttons(body, buttons)]
    return preamble + [list_message(body, buttons, list_label)]


def custom_message(custom: Dict[str, Any]) -> Message:
    """A `custom` response is a WhatsApp message object (e.g. a template); sent as given."""
    return dict(custom)


def image_message(url: str, caption: str = "") -> Message:
    image: Dict[str, Any] = {"link": url}
    if caption:
        image["caption"] = trim(caption, BODY_MAX)
    return {"type": "image", "image": image}


def read_receipt(message_id: str, typing: bool = False) -> Message:
    """Marks the customer's message (and the ones before it) as read: blue ticks.

    With ``typing`` the same call shows "typing…" until the reply (or ~25 s).
    """
    receipt: Message = {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}
    if typing:
        receipt["typing_indicator"] = {"type": "text"}
    return receipt
