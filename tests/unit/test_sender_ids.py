"""Each channel's sender ids in their own namespace, so no caller can name another channel's customer."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, List

import pytest

from common.sender_ids import channel_of, scoped_sender_id, signed_whatsapp_id, unscoped
from rasa_runtime.turns import sender_rate_limit
from rasa_runtime.turns.channel_guard import guarded_handler, max_message_chars, too_long_text
from rasa_runtime.turns.sender_rate_limit import InProcessCounter


@pytest.mark.parametrize("channel, raw, scoped", [
    ("whatsapp", "263772000001", "whatsapp:263772000001"),
    ("whatsapp", "whatsapp:263772000001", "whatsapp:263772000001"),  # scoped twice: unchanged
    ("rest", "263772000001", "rest:263772000001"),
    ("rest", "whatsapp:263772000001", "rest:whatsapp:263772000001"),
    ("rest", "rest:whatsapp:263772000001", "rest:whatsapp:263772000001"),
    ("twilio", "whatsapp:+263772000001", "twilio:whatsapp:+263772000001"),
])
def test_sender_ids_are_scoped_by_the_receiving_channel(channel: str, raw: str, scoped: str) -> None:
    assert scoped_sender_id(channel, raw) == scoped
    assert channel_of(scoped) == channel


@pytest.mark.parametrize("forged", [
    "263772000001", "whatsapp:263772000001", " whatsapp:263772000001", "WHATSAPP:263772000001",
    "whatsapp%3A263772000001", "whatsapp:263772000001\n",
])
def test_no_rest_sender_id_lands_in_the_whatsapp_namespace(forged: str) -> None:
    scoped = scoped_sender_id("rest", forged)
    assert channel_of(scoped) == "rest"
    assert signed_whatsapp_id(scoped, "whatsapp") is None


def test_a_long_sender_id_is_replaced_by_a_digest_that_fits_the_column() -> None:
    scoped = scoped_sender_id("rest", "x" * 100_000)
    assert len(scoped) <= 64 and scoped != scoped_sender_id("rest", "y" * 100_000)
    assert scoped == scoped_sender_id("rest", "x" * 100_000)


def test_only_a_signed_whatsapp_conversation_has_a_number() -> None:
    assert signed_whatsapp_id("whatsapp:263772000001", "whatsapp") == "263772000001"
    assert signed_whatsapp_id("whatsapp:263772000001", "rest") is None
    assert signed_whatsapp_id("rest:263772000001", "whatsapp") is None
    assert signed_whatsapp_id("263772000001", None) is None
    assert unscoped("whatsapp", "whatsapp:263772000001") == "263772000001"


class Recorder:
    def __init__(self) -> None:
        self.sent: List[Any] = []

    async def send_text_message(self, recipient_id: str, text: str, **_: Any) -> None:
        self.sent.append((recipient_id, text))


def guarded_message(channel: str, text: str, sender: str, claimed_channel: str = "whatsapp") -> Any:
    handled: List[Any] = []

    async def handler(message: Any) -> None:
        handled.append(message)

    app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(domain=SimpleNamespace(responses={
        "utter_message_too_long": [{"text": "Too long: at most {max_characters} characters."}]}))))
    message = SimpleNamespace(text=text, sender_id=sender, input_channel=claimed_channel, output_channel=Recorder())
    asyncio.run(guarded_handler(channel, handler, app, 1000)(message))
    return message, handled


def test_the_gate_names_the_conversation_and_the_channel_whatever_the_body_claimed() -> None:
    message, handled = guarded_message("rest", "did my payment go through?", "263772000001")
    assert handled == [message]
    assert (message.sender_id, message.input_channel) == ("rest:263772000001", "rest")


def test_an_over_long_message_is_answered_and_never_reaches_nlu() -> None:
    message, handled = guarded_message("rest", "pay " * 75_000, "someone")
    assert handled == []
    assert message.output_channel.sent == [("rest:someone", "Too long: at most 1,000 characters.")]
    assert guarded_message("rest", "x" * 1000, "someone")[1]  # the limit itself still passes


def test_over_long_messages_count_against_the_senders_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Answered by the gate, never by the agent: each still counts, so a flood gets "slow down"."""
    monkeypatch.setattr(sender_rate_limit, "_installed", {"counter": InProcessCounter(limit=2), "per_minute": 2})
    answers = [guarded_message("rest", "pay " * 1000, "flooder")[0].output_channel.sent[0][1] for _ in range(4)]
    assert answers[:2] == ["Too long: at most 1,000 characters."] * 2
    assert all("slow down" in answer.lower() for answer in answers[2:])
    message, handled = guarded_message("rest", "pay", "someone-else")
    assert handled == [message]


def test_the_limit_is_configurable_but_never_tiny() -> None:
    assert max_message_chars({}) == 1000
    assert max_message_chars({"MAX_MESSAGE_CHARS": "4096"}) == 4096
    with pytest.raises(ValueError, match="MAX_MESSAGE_CHARS"):
        max_message_chars({"MAX_MESSAGE_CHARS": "5"})
    assert too_long_text(None, 1000)  # an older model without the response still gets an answer
