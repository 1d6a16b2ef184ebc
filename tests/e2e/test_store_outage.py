"""The one-machine conversation store (SQLite) locked by another writer: an apology, nothing lost.

The lock is taken just before the OTP is sent, so Rasa reads the
conversation (WAL readers never wait), the action server sends the OTP to
O'mari with ``/request`` and credits the booking, and only Rasa's save of the
turn fails. Rasa 3.6 would have written that turn to an in-memory store and
carried on as if saved; here the customer is asked to send it again, and the
code sent again settles on what the payment database already knows: one
receipt, one credit.
"""
from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import requests

from tests.e2e.conftest import SANDBOX_OTP, Chat, Stack, booking_state

T005 = "BK-T005-20260210"  # 850.00 total, nothing paid, USD
APOLOGY = "send that again in a minute"


def conversation_store(stack: Stack) -> Path:
    return Path(stack.env["TRACKER_STORE_URL"].split("sqlite:///", 1)[1])


def test_a_save_failing_after_request_is_apologised_for_and_the_code_sent_again_settles_once(
    chat: Chat, stack: Stack
) -> None:
    assert "otp" in chat.say_and_confirm(f"pay 20 usd for {T005} with ecocash from 0772123456")
    saved_events = len(stack.tracker(chat.sender)["events"])

    locker = sqlite3.connect(conversation_store(stack), timeout=1, isolation_level=None)
    try:
        locker.execute("BEGIN IMMEDIATE")  # another writer holds the file: saves fail, reads go on
        reply = chat.text(SANDBOX_OTP)
        health = requests.get(f"{stack.rasa_url}/health", timeout=10).json()
    finally:
        locker.execute("ROLLBACK")
        locker.close()

    # Only the apology: not the receipt of a turn that was not kept, nor "nothing was charged".
    assert APOLOGY in reply and "payment received" not in reply and "nothing was charged" not in reply
    assert health["status"] == "degraded"
    # The money moved (O'mari's /request went out and the booking was credited) ...
    assert booking_state(stack.store, T005)["paid"] == Decimal("20.00")
    # ... but the conversation is exactly as it was: still at the OTP question.
    assert len(stack.tracker(chat.sender)["events"]) == saved_events

    assert "payment received" in chat.text(SANDBOX_OTP)
    state = booking_state(stack.store, T005)
    assert state["paid"] == Decimal("20.00")
    assert [t.status for t in state["transactions"]] == ["success"]
    [debit] = [t for t in stack.sandbox_transactions() if t["reference"] == state["transactions"][0].reference]
    assert debit["debit_count"] == 1
    assert requests.get(f"{stack.rasa_url}/health", timeout=10).json()["status"] == "ok"
    rasa_log = (stack.log_dir / "rasa.log").read_text()
    assert rasa_log.count("conversation store unreachable") >= 1
    assert SANDBOX_OTP not in rasa_log
