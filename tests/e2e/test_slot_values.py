"""Slot-value suite: free-phrased answers become the right normalised values.

Every case in tests/e2e/slot_cases.py is typed to the running assistant
(REST, or signed WhatsApp webhooks for the chat's own number; real Rasa model,
action server and sandbox) at its question, or as the opening message, and the
slot is read back from Rasa's tracker. A failure prints the input, what was extracted and what was expected.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest

from tests.e2e import slot_cases as cases
from tests.e2e.conftest import SANDBOX_OTP, Chat, Stack
from tests.e2e.whatsapp_customer import WhatsAppCustomer

PAYMENT_INPUTS = ("booking_reference", "amount", "payment_channel", "phone_number")


def converse(stack: Stack, messages: List[str], sender: Optional[str] = None) -> Dict[str, Any]:
    """Type ``messages`` as one customer; return the tracker's slots and the last reply."""
    chat = Chat(stack, sender=sender)
    reply = ""
    for message in messages:
        reply = chat.text(message)
    slots = stack.tracker(chat.sender)["slots"]
    return {**slots, "_reply": reply}


def check(text: str, slots: Dict[str, Any], expected: Dict[str, Any]) -> None:
    extracted = {slot: slots.get(slot) for slot in expected}
    assert extracted == expected, (
        f"\n  input:     {text!r}\n  extracted: {extracted}\n  expected:  {expected}"
        f"\n  last reply: {slots.get('_reply')!r}"
    )


@pytest.mark.parametrize("text, expected", cases.BOOKING_REFERENCES)
def test_booking_reference(stack: Stack, bookings, text: str, expected: str) -> None:
    check(text, converse(stack, ["pay", text]), {"booking_reference": expected})


@pytest.mark.parametrize("text, expected", cases.USD_AMOUNTS)
def test_amount_in_usd(stack: Stack, bookings, text: str, expected: str) -> None:
    check(text, converse(stack, [f"pay for {cases.SLYKER}", text]), {"amount": expected})


@pytest.mark.parametrize("text, expected", cases.DEPOSIT_AMOUNTS)
def test_amount_as_the_deposit(stack: Stack, bookings, text: str, expected: str) -> None:
    check(text, converse(stack, [f"pay for {cases.T005}", text]), {"amount": expected})


@pytest.mark.parametrize("text, expected", cases.ZWG_AMOUNTS)
def test_amount_in_zwg(stack: Stack, bookings, text: str, expected: str) -> None:
    check(text, converse(stack, [f"pay for {cases.ZWG}", text]), {"amount": expected})


@pytest.mark.parametrize("text, expected", cases.NOT_AMOUNTS)
def test_numbers_that_are_not_the_amount(stack: Stack, bookings, text: str, expected: Dict[str, Any]) -> None:
    check(text, converse(stack, [f"pay for {cases.SLYKER}", text]), expected)


@pytest.mark.parametrize("text, expected", cases.CHANNELS)
def test_payment_channel(stack: Stack, bookings, text: str, expected: str) -> None:
    check(text, converse(stack, [f"pay 50 usd for {cases.SLYKER}", text]), {"payment_channel": expected})


@pytest.mark.parametrize("text, expected", cases.PHONES)
def test_phone_number(stack: Stack, bookings, text: str, expected: str) -> None:
    slots = converse(stack, [f"pay 50 usd for {cases.SLYKER} with ecocash", text])
    check(text, slots, {"phone_number": expected})


@pytest.mark.parametrize("text, expected", cases.SENDER_PHONES)
def test_phone_number_of_the_sender(stack: Stack, bookings, text: str, expected: str) -> None:
    """Only the signed WhatsApp channel vouches for the chat's own number (see test_identity.py)."""
    customer = WhatsAppCustomer(stack, sender=cases.SENDER)
    for message in (f"pay 50 usd for {cases.SLYKER} with ecocash", text):
        reply = customer.say(message)
    check(text, {**customer.tracker()["slots"], "_reply": reply}, {"phone_number": expected})


@pytest.mark.parametrize("text", cases.OTPS)
def test_otp(stack: Stack, bookings, text: str) -> None:
    """The OTP leaves no slot behind, so the payment's outcome shows how it was read."""
    slots = converse(stack, [f"pay 50 usd for {cases.SLYKER} with ecocash from 0772123456", "yes", text])
    [transaction] = stack.store.list_transactions(booking_reference=cases.SLYKER)
    assert transaction.status == "success", (
        f"\n  input:     {text!r}\n  extracted: not the OTP {SANDBOX_OTP} (payment {transaction.status})"
        f"\n  expected:  {SANDBOX_OTP}\n  last reply: {slots['_reply']!r}"
    )


@pytest.mark.parametrize("text, expected", cases.OPENINGS)
def test_opening_message(stack: Stack, bookings, text: str, expected: Dict[str, Any]) -> None:
    check(text, converse(stack, [text]), expected)


@pytest.mark.parametrize("text, reference, expected", cases.EARLY_AMOUNTS)
def test_amount_given_before_the_booking(
    stack: Stack, bookings, text: str, reference: str, expected: Dict[str, Any]
) -> None:
    check(text, converse(stack, [text, reference]), expected)
