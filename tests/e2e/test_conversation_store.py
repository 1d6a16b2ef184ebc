"""Conversations live in the tracker store endpoints.yml names, not in Rasa's memory.

With the one-machine defaults that store is a SQLite file, so a customer half
way through a payment carries on after Rasa restarts (a deploy, a crash).
"""
from __future__ import annotations

from decimal import Decimal

from tests.e2e.conftest import SANDBOX_OTP, Chat, Stack, booking_state

T005 = "BK-T005-20260210"  # 850.00 total, nothing paid, USD


def test_a_payment_half_way_through_carries_on_after_rasa_restarts(chat: Chat, stack: Stack) -> None:
    assert "booking reference" in chat.text("pay")
    assert "amount" in chat.text(T005)
    assert "payment channel" in chat.text("20")
    events_before = len(stack.tracker(chat.sender)["events"])

    stack.restart_rasa()

    # The new Rasa knows where the form was: it asks the next question, not "what booking?".
    assert len(stack.tracker(chat.sender)["events"]) >= events_before
    assert "mobile number" in chat.text("ecocash")
    chat.text("0772123456")
    assert "otp" in chat.confirm()
    assert "payment received" in chat.text(SANDBOX_OTP)
    state = booking_state(stack.store, T005)
    assert state["paid"] == Decimal("20.00")
    assert [t.status for t in state["transactions"]] == ["success"]
