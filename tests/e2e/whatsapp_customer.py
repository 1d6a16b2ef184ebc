"""A customer on WhatsApp, as the real Rasa server sees one: signed webhook POSTs.

Messages go in as Meta sends them (signed with the app secret) to
/webhooks/whatsapp/webhook; the assistant's answers are read from the fake
Graph API the channel sends to. A turn is over when Rasa's tracker shows the
message followed by `action_listen` (replies are sent before that is saved),
so tests wait on that condition with a deadline, never on a fixed sleep.
"""
from __future__ import annotations

import itertools
import json
import uuid
from typing import Any, Callable, Dict, List, Optional, Tuple

import requests

from tests.e2e.conftest import Stack, assert_customer_safe
from rasa_runtime.whatsapp.signature import sign
from tests.support.fake_graph import shape_problems
from tests.support import notifications as n
from tests.support import waiting

TURN_TIMEOUT_SECONDS = 120


def wait_until(condition: Callable[[], bool], what: str, timeout: float = TURN_TIMEOUT_SECONDS) -> None:
    """tests/support/waiting.py's wait, with a turn's timeout."""
    waiting.wait_until(condition, timeout, what)


def shown_text(message: Dict[str, Any]) -> str:
    """What the customer reads: a text's body or an interactive message's body."""
    if message.get("type") == "text":
        return message["text"]["body"]
    if message.get("type") == "interactive":
        return message["interactive"]["body"]["text"]
    return ""


def choices(message: Dict[str, Any]) -> List[Tuple[str, str]]:
    """(id, title) of each reply button or list row of an interactive message."""
    if message.get("type") != "interactive":
        return []
    interactive = message["interactive"]
    if interactive["type"] == "button":
        return [(b["reply"]["id"], b["reply"]["title"]) for b in interactive["action"]["buttons"]]
    return [(r["id"], r["title"]) for s in interactive["action"]["sections"] for r in s["rows"]]


class WhatsAppCustomer:
    def __init__(self, stack: Stack, sender: Optional[str] = None, username_only: bool = False) -> None:
        assert stack.graph is not None, "the e2e stack runs Rasa with the WhatsApp channel on"
        self.stack, self.graph = stack, stack.graph
        self.sender = sender or "2637" + str(uuid.uuid4().int)[:8]
        self.username_only = username_only
        self.webhook = f"{stack.rasa_url}/webhooks/whatsapp/webhook"
        self._ids = itertools.count(1)
        self.replies: List[Dict[str, Any]] = []

    def next_id(self) -> str:
        return f"wamid.{self.sender}.{next(self._ids)}.{uuid.uuid4().hex[:6]}"

    def _addressed(self, message: Dict[str, Any]) -> Dict[str, Any]:
        if self.username_only:
            message = {k: v for k, v in message.items() if k != "from"}
            message["from_user_id"] = self.sender
        return message

    def post(self, payload: Dict[str, Any], signature: Optional[str] = "valid") -> requests.Response:
        raw = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "valid":
            headers["X-Hub-Signature-256"] = sign(n.APP_SECRET, raw)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return requests.post(self.webhook, data=raw, headers=headers, timeout=30)

    def tracker(self) -> Dict[str, Any]:
        """Rasa's record of this customer's WhatsApp conversation."""
        return self.stack.tracker(self.sender, "whatsapp")

    def received(self) -> List[Dict[str, Any]]:
        return self.graph.messages(self.sender)

    def turn_done(self, message_id: str) -> bool:
        events = self.stack.tracker(self.sender, "whatsapp").get("events", [])
        for index, event in enumerate(events):
            if event.get("event") == "user" and event.get("message_id") == message_id:
                return any(e.get("event") == "action" and e.get("name") == "action_listen" for e in events[index:])
        return False

    def user_turns(self, message_id: str) -> int:
        events = self.stack.tracker(self.sender, "whatsapp").get("events", [])
        return sum(1 for e in events if e.get("event") == "user" and e.get("message_id") == message_id)

    def send(self, message: Dict[str, Any]) -> List[Dict[str, Any]]:
        """Post one signed message; wait for its turn; the assistant's new messages."""
        before = len(self.received())
        response = self.post(n.notification([self._addressed(message)]))
        assert response.status_code == 200, response.text
        wait_until(lambda: self.turn_done(message["id"]), f"the turn of {message['id']}")
        self.replies = self.received()[before:]
        for reply in self.replies:
            assert not shape_problems(reply), (shape_problems(reply), reply)
            assert_customer_safe(shown_text(reply))
        return self.replies

    def say(self, text: str) -> str:
        """Type ``text``; every reply's shown text, lower-cased, without *bold* marks."""
        self.send(n.text(self.sender, text, self.next_id()))
        return self.text

    def tap(self, title: str) -> str:
        """Tap the offered button or list row titled ``title``."""
        for reply in self.replies:
            for payload, shown in choices(reply):
                if shown == title:
                    kind = reply["interactive"]["type"]
                    build = n.button_reply if kind == "button" else n.list_reply
                    self.send(build(self.sender, payload, shown, self.next_id()))
                    return self.text
        raise AssertionError(f"no {title!r} among {self.offered}")

    def tap_payload(self, payload: str) -> str:
        """Tap the offered button or list row that sends ``payload``, whatever its title's language."""
        for reply in self.replies:
            for sent, shown in choices(reply):
                if sent == payload:
                    return self.tap(shown)
        raise AssertionError(f"no button sending {payload!r} among {[c for r in self.replies for c in choices(r)]}")

    @property
    def text(self) -> str:
        return "\n".join(shown_text(r) for r in self.replies).lower().replace("*", "")

    @property
    def offered(self) -> List[str]:
        return [title for reply in self.replies for _, title in choices(reply)]
