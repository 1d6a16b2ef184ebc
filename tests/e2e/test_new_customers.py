"""What new customers type, through the running servers (issue 14).

Each kind of miss found with customer-side messages gets a conversation here:
amounts grouped with spaces, other currencies, a figure with two readings,
reactions, Ndebele and trip openers, and a new OTP asked for in words or a
code typed after the payment closed. Real Rasa, action server, sandbox and
database; money is checked in the sandbox's ledger and the booking.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.e2e.conftest import SANDBOX_OTP, Chat, Stack, booking_state
from tests.e2e.test_payment_conversations import SLYKER, reach_otp, sandbox_record

ZWG_BOOKING = "BK-T010-20260301"  # balance ZWG 4,800.00
T005 = "BK-T005-20260210"  # USD, balance 850.00


def slots(stack: Stack, chat: Chat) -> dict:
    return stack.tracker(chat.sender)["slots"]


def three_wrong_otps(chat: Chat) -> None:
    reach_otp(chat, SLYKER, "50", "ecocash", "0772123456")
    chat.text("111111")
    chat.text("222222")
    assert "wrong too many times" in chat.text("333333")


# -- money -------------------------------------------------------------------------


def test_thousands_grouped_with_a_space_are_charged_whole(chat: Chat, stack: Stack) -> None:
    chat.text(f"pay for {ZWG_BOOKING}")
    assert "payment channel" in chat.text("zwg 1 500")
    chat.text("ecocash")
    assert "zwg 1,500.00" in chat.text("0772123456")
    chat.confirm()
    assert "payment received" in chat.text(SANDBOX_OTP)
    [paid] = stack.store.list_transactions(booking_reference=ZWG_BOOKING)
    assert paid.amount == Decimal("1500.00")
    assert sandbox_record(stack, paid.reference)["amount"] == "1500.00"


@pytest.mark.parametrize("answer", ["50 euros", "€50", "R500", "100 pounds", "ZWL 100", "50 zig"])
def test_another_currency_is_refused_naming_the_bookings_and_nothing_changes(
    chat: Chat, stack: Stack, answer: str
) -> None:
    chat.text(f"pay for {SLYKER}")
    reply = chat.text(answer)
    assert "paid in usd" in reply and "payment channel" not in reply, reply
    assert slots(stack, chat)["amount"] is None
    assert "payment channel" in chat.text("50")  # and the payment carries on in dollars
    assert slots(stack, chat)["amount"] == "50.00"
    assert stack.store.list_transactions(booking_reference=SLYKER) == []


def test_euros_in_the_opening_message_are_refused_not_charged_as_dollars(chat: Chat, stack: Stack) -> None:
    reply = chat.text(f"pay 50 euros for {SLYKER} with ecocash from 0772123456")
    assert "paid in usd" in reply and "shall i go ahead" not in reply, reply
    assert stack.store.list_transactions(booking_reference=SLYKER) == []
    assert booking_state(stack.store, SLYKER)["paid"] == Decimal("400.00")


def test_usd_on_the_zwg_booking_is_refused(chat: Chat, stack: Stack) -> None:
    chat.text(f"pay for {ZWG_BOOKING}")
    assert "paid in zwg" in chat.text("USD 1 500")
    assert slots(stack, chat)["amount"] is None


def test_a_figure_with_two_readings_is_asked_about_and_not_counted_as_wrong(chat: Chat, stack: Stack) -> None:
    chat.text(f"pay for {ZWG_BOOKING}")
    for _ in range(3):  # three times would end the payment if each counted as a wrong answer
        reply = chat.text("1.500")
        assert "did you mean zwg 1.50 or zwg 1,500.00" in reply, reply
    assert slots(stack, chat)["amount"] is None and slots(stack, chat)["invalid_answers"] == 0
    [small] = [button for button in chat.buttons if button["title"] == "ZWG 1.50"]
    assert "payment channel" in chat.text(small["payload"])
    assert slots(stack, chat)["amount"] == "1.50"


def test_a_reading_above_the_balance_is_never_offered(chat: Chat, stack: Stack) -> None:
    chat.text(f"pay for {T005}")  # balance US$850.00: "1.500" can only be US$1.50
    reply = chat.text("1.500")
    assert "did you mean us$1.50?" in reply and "1,500" not in reply, reply
    titles = [button["title"] for button in chat.buttons]
    assert "US$1.50" in titles and not any("1,500" in title for title in titles), titles


# -- reactions -----------------------------------------------------------------------


@pytest.mark.parametrize("reaction", ["👍", "ok", "lol", "😂😂", "sticker"])
def test_a_reaction_never_starts_a_payment(chat: Chat, stack: Stack, reaction: str) -> None:
    reply = chat.text(reaction)
    assert "booking reference" not in reply and "type pay" in reply, reply
    tracker = stack.tracker(chat.sender)
    assert (tracker.get("active_loop") or {}).get("name") is None
    assert "booking reference" in chat.text("pay")  # and paying still works after it


@pytest.mark.parametrize("reaction", ["👍", "ok", "lol"])
def test_a_reaction_mid_payment_asks_again_without_counting(chat: Chat, stack: Stack, reaction: str) -> None:
    chat.text(f"pay for {SLYKER}")
    for _ in range(4):  # more than MAX_INVALID_ANSWERS: none of them counts
        reply = chat.text(reaction)
        assert "what amount" in reply and "going round in circles" not in reply, reply
    assert slots(stack, chat)["invalid_answers"] == 0
    assert "payment channel" in chat.text("50")


def test_a_reaction_at_the_otp_question_is_not_sent_as_a_code(chat: Chat, stack: Stack) -> None:
    reach_otp(chat, SLYKER, "50", "ecocash", "0772123456")
    for _ in range(3):
        reply = chat.text("👍")
        assert "otp" in reply and "not accepted" not in reply and "attempt" not in reply, reply
    assert "payment received" in chat.text(SANDBOX_OTP)


# -- openers ---------------------------------------------------------------------------


@pytest.mark.parametrize("opener", [
    "sawubona, ngicela ukukhokha ibooking yami",
    "salibonani ngizahlawula imali yohambo",
    "ndirikuda kubhadhara mari yebooking yangu",
])
def test_shona_and_ndebele_openers_start_the_payment(chat: Chat, opener: str) -> None:
    reply = chat.text(opener)
    assert "booking reference" in reply and "our team will gladly help" not in reply, reply


@pytest.mark.parametrize("opener", [
    "hi, we'd like to pay 200 towards our Kariba trip",
    "can i put something towards the victoria falls trip we booked",
])
def test_an_opener_naming_a_trip_starts_the_payment(chat: Chat, opener: str) -> None:
    reply = chat.text(opener)
    assert "booking reference" in reply and "we run victoria falls" not in reply, reply


# -- a new OTP in words ---------------------------------------------------------------------


@pytest.mark.parametrize("request_in_words", ["send me a new code", "I didn't get the SMS", "resend"])
def test_a_new_otp_in_words_after_three_wrong_does_what_the_button_does(
    chat: Chat, stack: Stack, request_in_words: str
) -> None:
    three_wrong_otps(chat)
    reply = chat.text(request_in_words)
    # The same payment, said back (a new OTP is a new payment): no question asked again.
    assert "0772 123 456" in reply and "us$50.00" in reply and "shall i go ahead" in reply, reply
    assert "what amount" not in reply and "booking reference" not in reply
    assert "0772 xxx 456" in chat.confirm()
    assert "payment received" in chat.text(SANDBOX_OTP)
    failed, paid = stack.store.list_transactions(booking_reference=SLYKER)
    assert (failed.status, paid.status) == ("failed", "success")
    assert sandbox_record(stack, paid.reference)["debit_count"] == 1
    assert booking_state(stack.store, SLYKER)["paid"] == Decimal("450.00")


def test_a_code_typed_after_three_wrong_does_not_restart_from_the_booking_question(
    chat: Chat, stack: Stack
) -> None:
    three_wrong_otps(chat)
    reply = chat.text(SANDBOX_OTP)
    assert "booking reference" not in reply and "can't be used" in reply, reply
    [fresh] = [button for button in chat.buttons if "fresh otp" in button["title"].lower()]
    assert "us$50.00" in chat.text(fresh["payload"])
    chat.confirm()
    assert "payment received" in chat.text(SANDBOX_OTP)
    failed, paid = stack.store.list_transactions(booking_reference=SLYKER)
    assert (failed.status, paid.status) == ("failed", "success")


def test_a_new_code_asked_for_at_the_otp_question_voids_the_first(chat: Chat, stack: Stack) -> None:
    reach_otp(chat, SLYKER, "50", "ecocash", "0772123456")
    reply = chat.text("i didnt get the sms, send a new code")
    assert "cancelled the first otp request" in reply and "0772 xxx 456" in reply, reply
    assert "payment received" in chat.text(SANDBOX_OTP)
    voided, paid = stack.store.list_transactions(booking_reference=SLYKER)
    assert (voided.status, paid.status) == ("cancelled", "success")
    assert sandbox_record(stack, paid.reference)["debit_count"] == 1
    assert booking_state(stack.store, SLYKER)["paid"] == Decimal("450.00")
