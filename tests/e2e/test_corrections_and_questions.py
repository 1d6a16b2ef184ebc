"""Several answers in one message, changed answers, and questions mid-payment.

Over REST against the real servers: the opening message fills every slot it
names, "actually make it 30" or "sorry wrong number" replace an answer and
the form carries on from where it was (voiding an OTP request made with the
old answer), and a question is answered before the form asks again.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.e2e.conftest import SANDBOX_OTP, Chat, Stack, booking_state

SLYKER = "BK-SLYKER-TECH-20251023"  # balance 800.00 USD
T005 = "BK-T005-20260210"  # balance 850.00 USD


def debits(stack: Stack, transactions) -> dict:
    """How many times the sandbox debited each wallet for these transactions."""
    ours = {t.reference for t in transactions}
    return {t["msisdn"]: t["debit_count"] for t in stack.sandbox_transactions() if t["reference"] in ours}


def test_opening_message_fills_every_slot_and_goes_straight_to_the_otp(chat: Chat, stack: Stack) -> None:
    reply = chat.say_and_confirm(f"pay 50 usd for {T005} with ecocash from 0772123456")
    assert "otp" in reply and "0772 xxx 456" in reply and "us$50.00" in reply, reply
    # Nothing was asked that the message already said.
    for question in ("booking reference", "what amount", "payment channel", "mobile number"):
        assert question not in reply
    assert "payment received" in chat.text(SANDBOX_OTP)
    [transaction] = booking_state(stack.store, T005)["transactions"]
    assert (transaction.amount, transaction.customer_channel, transaction.msisdn) == (
        Decimal("50.00"), "ecocash", "263772123456")


def test_opening_message_with_some_answers_asks_only_for_the_rest(chat: Chat, stack: Stack) -> None:
    reply = chat.text("i want to pay $120 with onemoney")
    assert "booking reference" in reply
    reply = chat.text("bk slyker tech 20251023")
    # Amount and channel were given: the phone is the only question left.
    assert "mobile number" in reply and "what amount" not in reply and "payment channel" not in reply
    slots = stack.tracker(chat.sender)["slots"]
    assert (slots["amount"], slots["payment_channel"]) == ("120.00", "onemoney")


def test_a_booking_reference_on_its_own_starts_the_payment(chat: Chat, stack: Stack) -> None:
    reply = chat.text("bk t005 20260210")
    # The reference is taken, the booking shown, and the next question asked.
    assert "us$850.00" in reply and "what amount" in reply and "booking reference" not in reply, reply
    assert "payment channel" in chat.text("50")
    assert stack.tracker(chat.sender)["slots"]["booking_reference"] == T005


def test_phone_digits_in_the_opening_message_never_become_the_amount(chat: Chat, stack: Stack) -> None:
    reply = chat.text(f"pay for {SLYKER} from 0772123456")
    assert "what amount" in reply
    slots = stack.tracker(chat.sender)["slots"]
    assert slots["amount"] is None and slots["phone_number"] == "263772123456"


def test_amount_corrected_at_the_channel_question_is_the_amount_charged(chat: Chat, stack: Stack) -> None:
    chat.text("pay")
    chat.text(SLYKER)
    assert "payment channel" in chat.text("50")
    reply = chat.text("actually make it 30")
    assert "payment channel" in reply  # the form carries on where it was
    chat.text("ecocash")
    assert "us$30.00" in chat.text("0772 123 456")
    chat.confirm()
    assert "payment received" in chat.text(SANDBOX_OTP)
    assert booking_state(stack.store, SLYKER)["paid"] == Decimal("430.00")


def test_wrong_number_corrected_at_the_otp_question_moves_the_payment(chat: Chat, stack: Stack) -> None:
    first = chat.say_and_confirm(f"pay 40 usd for {SLYKER} with ecocash from 0772123456")
    assert "0772 xxx 456" in first
    reply = chat.text("sorry wrong number, use 0712000002")
    # The first OTP request is cancelled and the new details said back before a new one.
    assert "cancelled the earlier otp request" in reply and "0712 000 002" in reply, reply
    assert "0712 xxx 002" in chat.confirm()
    assert "payment received" in chat.text(SANDBOX_OTP)
    transactions = booking_state(stack.store, SLYKER)["transactions"]
    assert sorted((t.msisdn, t.status) for t in transactions) == [
        ("263712000002", "success"), ("263772123456", "cancelled")]
    # Only the corrected wallet was debited, once.
    assert debits(stack, transactions) == {"263712000002": 1, "263772123456": 0}


def test_channel_changed_at_the_phone_question(chat: Chat, stack: Stack) -> None:
    chat.text(f"pay 25 dollars for {SLYKER}")
    assert "mobile number" in chat.text("ecocash")
    assert "mobile number" in chat.text("change the channel to onemoney")
    chat.text("0772 123 456")
    chat.confirm()
    chat.text(SANDBOX_OTP)
    [transaction] = booking_state(stack.store, SLYKER)["transactions"]
    assert (transaction.customer_channel, transaction.status) == ("onemoney", "success")


def test_bad_correction_keeps_the_earlier_answer(chat: Chat, stack: Stack) -> None:
    chat.text(f"pay 50 for {SLYKER}")
    reply = chat.text("actually make it 5000")
    assert "more than the balance due" in reply and "payment channel" in reply
    assert stack.tracker(chat.sender)["slots"]["amount"] == "50.00"


@pytest.mark.parametrize(
    "question, answer",
    [
        ("what is omari?", "mobile payments service"),
        ("how does the otp work", "one-time pin"),
        ("is this safe?", "safe"),
        ("who am i paying?", "kali safaris"),
        ("what's my balance?", "balance due: us$800.00"),
    ],
)
def test_question_at_the_amount_question_is_answered_then_asked_again(
    chat: Chat, stack: Stack, question: str, answer: str
) -> None:
    chat.text("pay")
    assert "what amount" in chat.text(SLYKER)
    reply = chat.text(question)
    assert answer in reply and "what amount" in reply, reply
    assert "payment channel" in chat.text("$20")  # the payment carries on
    assert stack.tracker(chat.sender)["slots"]["amount"] == "20.00"


def test_help_in_the_middle_of_a_payment_keeps_it(chat: Chat, stack: Stack) -> None:
    chat.text(f"pay 50 for {SLYKER}")
    reply = chat.text("help")
    assert "middle of a payment" in reply and "payment channel" in reply
    assert "mobile number" in chat.text("ecocash")


@pytest.mark.parametrize(
    "message, expected",
    [
        ("what tours do you have", "victoria falls"),
        ("is the sunset cruise on today", "victoria falls"),
        ("how much is Victoria Falls", "victoria falls"),
        ("hello", "welcome"),
        ("thanks", "welcome"),
    ],
)
def test_non_payment_messages_do_not_start_a_payment(chat: Chat, stack: Stack, message: str, expected: str) -> None:
    reply = chat.text(message)
    assert expected in reply and "booking reference" not in reply
    assert not (stack.tracker(chat.sender).get("active_loop") or {}).get("name")


@pytest.mark.parametrize(
    "correction, amount, channel",
    [("actually make it 30", Decimal("30.00"), "ecocash"),
     ("change the channel to onemoney", Decimal("40.00"), "onemoney")],
)
def test_correction_at_the_otp_question_restarts_with_the_new_answer(
    chat: Chat, stack: Stack, correction: str, amount: Decimal, channel: str
) -> None:
    chat.say_and_confirm(f"pay 40 usd for {SLYKER} with ecocash from 0772123456")
    reply = chat.text(correction)
    assert "cancelled the earlier otp request" in reply and f"us${amount}" in reply, reply
    chat.confirm()
    assert "payment received" in chat.text(SANDBOX_OTP)
    transactions = booking_state(stack.store, SLYKER)["transactions"]
    assert sorted((t.status, t.amount, t.customer_channel) for t in transactions) == [
        ("cancelled", Decimal("40.00"), "ecocash"), ("success", amount, channel)]
    assert booking_state(stack.store, SLYKER)["paid"] == Decimal("400.00") + amount


def test_wrong_booking_corrected_asks_the_amount_again(chat: Chat, stack: Stack) -> None:
    chat.text(f"pay 40 usd for {SLYKER} with ecocash")
    reply = chat.text(f"wrong booking, it's {T005}")
    assert "hwange big five safari" in reply and "what amount" in reply, reply
    assert stack.tracker(chat.sender)["slots"]["payment_channel"] == "ecocash"
