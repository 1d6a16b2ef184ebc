"""Smaller leaks and costs (issue 25, point 6), against the real Rasa, action server and sandbox.

- An OTP typed in a REST turn whose client goes away before the answer: Rasa's
  REST channel logs the abandoned message at ERROR, with its text
  (rasa_runtime/log_redaction.py keeps the event and withholds the text).
- REST ``metadata`` is kept in the conversation store with every message: a
  huge one is refused before the turn (rasa_runtime/turns/channel_guard.py).
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import SANDBOX_OTP, Chat, Stack

SLYKER = "BK-SLYKER-TECH-20251023"
SLOW_WALLET = "0770000003"  # the sandbox holds /request's answer back longer than the client waits


def pay_until_the_otp_question(chat: Chat, wallet: str) -> None:
    """The conversation up to O'mari's OTP question (the one place to add steps to a payment)."""
    reply = chat.say_and_confirm(f"pay 50 usd for {SLYKER} with ecocash from {wallet}")
    assert "otp" in reply, reply


def wait_for_log_line(path: Path, needle: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = path.read_text(errors="replace")
        if needle in text:
            return text
        time.sleep(0.2)
    pytest.fail(f"{needle!r} never appeared in {path.name}")


def test_an_otp_in_an_abandoned_rest_turn_is_not_logged(chat: Chat, stack: Stack) -> None:
    pay_until_the_otp_question(chat, SLOW_WALLET)
    with pytest.raises(requests.exceptions.ReadTimeout):
        # The customer's app gives up after half a second; the OTP turn takes seconds.
        requests.post(f"{stack.rasa_url}/webhooks/rest/webhook",
                      json={"sender": chat.sender, "message": f"my code is {SANDBOX_OTP}"}, timeout=0.5)
    log = wait_for_log_line(stack.log_dir / "rasa.log", "rest.message.received.timeout")
    assert SANDBOX_OTP not in log
    assert "characters withheld" in log  # the event is still there, without what was typed


def test_huge_rest_metadata_is_refused_and_never_stored(chat: Chat, stack: Stack) -> None:
    padding = {"note": "x" * 200_000, "nested": [{"k": "v" * 100}] * 100}
    reply = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", timeout=60,
                          json={"sender": chat.sender, "message": "pay", "metadata": padding})
    assert reply.status_code == 200 and "too long" in reply.text.lower()
    # Nothing of it was kept; small metadata and the conversation carry on as usual.
    reply = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", timeout=60,
                          json={"sender": chat.sender, "message": "pay", "metadata": {"client": "staff-tool"}})
    assert "booking reference" in reply.text.lower()
    events = stack.tracker(chat.sender)["events"]
    assert [e.get("text") for e in events if e.get("event") == "user"] == ["pay"]
    assert len(str(events)) < 50_000
