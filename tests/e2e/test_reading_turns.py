"""How a message is read, through the real Rasa, action server and sandbox (issue 21).

The question asked comes first (actions/form/reading.py), a payment starts
only on two signals (actions/form/opening.py), every figure of an amount is
read or asked about, and the payment is said back before O'mari is asked for
an OTP. Each test checks what the customer sees and what reached the
database or the sandbox.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Set, Tuple

import pytest

from tests.e2e.conftest import SANDBOX_OTP, Chat, Stack, booking_state
from tests.support.catalogue_replies import readings

SLYKER = "BK-SLYKER-TECH-20251023"  # balance 800.00 USD
T005 = "BK-T005-20260210"  # balance 850.00 USD


def said(chat: Chat) -> Set[Tuple[str, str]]:
    """The (language, response) of each of the last replies (tests/support/catalogue_replies.py)."""
    return {found for reply in chat.replies for found in readings(reply.get("text") or "")}


def otp_requests(stack: Stack, reference: str) -> int:
    return len(booking_state(stack.store, reference)["transactions"])


def test_the_payment_is_said_back_and_nothing_is_requested_before_yes(chat: Chat, stack: Stack) -> None:
    reply = chat.text(f"pay 50 usd for {T005} with ecocash from 0772123456")
    assert "us$50.00" in reply and "ecocash" in reply and "0772 123 456" in reply and T005.lower() in reply
    assert "go ahead" in reply and otp_requests(stack, T005) == 0
    assert {button["title"] for button in chat.buttons} >= {"Yes, go ahead", "Change something", "Cancel"}
    reply = chat.text("yes")
    assert "one-time pin" in reply and "0772 xxx 456" in reply and otp_requests(stack, T005) == 1
    assert "payment received" in chat.text(SANDBOX_OTP)
    assert booking_state(stack.store, T005)["paid"] == Decimal("50.00")


def test_a_change_at_the_confirmation_is_said_aloud_and_asked_again(chat: Chat, stack: Stack) -> None:
    chat.text(f"pay 50 usd for {SLYKER} with ecocash from 0772123456")
    reply = chat.text("no wait, make it onemoney and 30")
    assert "ok: us$30.00 via onemoney" in reply and "go ahead" in reply, reply
    assert otp_requests(stack, SLYKER) == 0
    chat.text("yes")
    assert "payment received" in chat.text(SANDBOX_OTP)
    [transaction] = booking_state(stack.store, SLYKER)["transactions"]
    assert (transaction.amount, transaction.customer_channel) == (Decimal("30.00"), "onemoney")


def test_a_wallet_changed_at_the_phone_question_is_the_wallet_charged(chat: Chat, stack: Stack) -> None:
    chat.text(f"pay 25 dollars for {SLYKER}")
    assert "mobile number" in chat.text("ecocash")
    reply = chat.text("no wait, make it OneMoney")
    assert "ok: us$25.00 via onemoney" in reply and "mobile number" in reply, reply
    chat.text("0772 123 456")
    chat.text("yes")
    chat.text(SANDBOX_OTP)
    [transaction] = booking_state(stack.store, SLYKER)["transactions"]
    assert (transaction.customer_channel, transaction.status) == ("onemoney", "success")


def test_a_code_inside_an_apology_is_the_otp_not_an_amount(chat: Chat, stack: Stack) -> None:
    chat.text(f"pay 40 usd for {SLYKER} with ecocash from 0772123456")
    chat.text("yes")
    reply = chat.text(f"sorry, the code is {SANDBOX_OTP}")
    assert "payment received" in reply and "more than the balance" not in reply, reply
    assert booking_state(stack.store, SLYKER)["paid"] == Decimal("440.00")


def test_a_code_in_a_shona_sentence_pays_instead_of_restarting(chat: Chat, stack: Stack) -> None:
    chat.text(f"ndinoda kubhadhara 40 usd pa {SLYKER} ne ecocash kubva ku 0772123456")
    chat.text("hongu")
    chat.text(f"kodhi yacho ndi {SANDBOX_OTP}")
    # The receipt, in Shona as the customer wrote: never the booking question of a restarted form.
    assert said(chat) == {("sn", "utter_payment_receipt_sandbox")}, chat.text_of_last_replies()
    assert booking_state(stack.store, SLYKER)["paid"] == Decimal("440.00")


def test_here_is_the_new_code_is_the_code_not_a_request_for_another(chat: Chat, stack: Stack) -> None:
    chat.text(f"pay 40 usd for {SLYKER} with ecocash from 0772123456")
    chat.text("yes")
    assert "payment received" in chat.text(f"here is the new code: {SANDBOX_OTP}")
    assert otp_requests(stack, SLYKER) == 1


def test_a_cancel_inside_a_sentence_about_the_wallet_balance_cancels(chat: Chat, stack: Stack) -> None:
    chat.text(f"pay 40 usd for {SLYKER} with ecocash from 0772123456")
    chat.text("yes")
    reply = chat.text("please cancel it, my ecocash balance is too low")
    assert "cancelled the payment" in reply and "balance due" not in reply, reply
    [transaction] = booking_state(stack.store, SLYKER)["transactions"]
    assert transaction.status == "cancelled"


def test_a_question_at_the_amount_question_is_never_the_full_balance(chat: Chat, stack: Stack) -> None:
    chat.text(f"pay for {SLYKER}")
    reply = chat.text("can I pay the rest next month?")
    assert "what amount" in reply and "go ahead" not in reply, reply
    assert stack.tracker(chat.sender)["slots"]["amount"] is None
    assert otp_requests(stack, SLYKER) == 0


def test_a_question_about_fees_never_chooses_the_wallet(chat: Chat, stack: Stack) -> None:
    chat.text(f"pay 50 for {SLYKER}")
    reply = chat.text("are there any fees for ecocash?")
    assert "payment channel" in reply
    assert stack.tracker(chat.sender)["slots"]["payment_channel"] is None


def test_how_much_am_i_paying_at_the_phone_question_is_answered(chat: Chat) -> None:
    chat.text(f"pay 50 for {SLYKER} with ecocash")
    reply = chat.text("wait, how much am I paying again?")
    assert "us$50.00" in reply and "mobile number" in reply and "doesn't look like a phone number" not in reply


@pytest.mark.parametrize("amount, charged", [("27 dollars and 40 cents", "27.40"), ("$12 and 60 cents", "12.60")])
def test_cents_in_words_are_charged(chat: Chat, stack: Stack, amount: str, charged: str) -> None:
    chat.text(f"pay for {SLYKER}")
    chat.text(amount)
    chat.text("ecocash")
    assert f"us${charged}" in chat.text("0772123456")
    chat.text("yes")
    chat.text(SANDBOX_OTP)
    [transaction] = booking_state(stack.store, SLYKER)["transactions"]
    assert transaction.amount == Decimal(charged)


def test_a_figure_left_over_is_asked_about_never_dropped(chat: Chat) -> None:
    chat.text(f"pay for {SLYKER}")
    reply = chat.text("$50 for 2 people")
    assert "more than one number" in reply
    assert chat.stack.tracker(chat.sender)["slots"]["amount"] is None


@pytest.mark.parametrize("answer", ["the last one", "number 2", "yechipiri", "eyesibili", "eco"])
def test_channel_by_position_or_short_name(chat: Chat, stack: Stack, answer: str) -> None:
    chat.text(f"pay 50 for {SLYKER}")
    assert "mobile number" in chat.text(answer)
    assert stack.tracker(chat.sender)["slots"]["payment_channel"] in {"zimswitch", "onemoney", "ecocash"}


@pytest.mark.parametrize("answer, language", [
    ("nhamba yangu ndi 0772123456", "sn"), ("inombolo yami ngu 0772 123 456", "nd")])
def test_a_number_inside_a_shona_or_ndebele_sentence(chat: Chat, stack: Stack, answer: str, language: str) -> None:
    chat.text(f"pay 50 for {SLYKER} with ecocash")
    chat.text(answer)
    # Said back in the language the number was given in (docs/languages.md).
    assert said(chat) == {(language, "utter_ask_payment_confirmed")}, chat.text_of_last_replies()
    assert stack.tracker(chat.sender)["slots"]["phone_number"] == "263772123456"


def test_a_reference_with_en_dashes(chat: Chat, stack: Stack) -> None:
    reply = chat.text("pay BK\u2013T005\u201320260210")
    assert "us$850.00" in reply and "what amount" in reply


@pytest.mark.parametrize("message", [
    "remind me to call mum at six",
    "what's 12 times 9",
    "play something by Oliver Mtukudzi",
    "find me a hotel in Mutare",
    "pay my electricity bill",
    "what's my bank balance",
    "send me the wifi code",
    "ndiridzire nziyo dzaOliver Mtukudzi",
    "ngicela ungikhumbuze ukufonela umama",
])
def test_everyday_requests_never_start_a_payment(chat: Chat, stack: Stack, message: str) -> None:
    reply = chat.text(message)
    for booking_question in ("booking reference", "balance due", "what amount", "new code"):
        assert booking_question not in reply, reply
    assert not (stack.tracker(chat.sender).get("active_loop") or {}).get("name")  # no payment form open


def test_a_yes_to_nothing_starts_no_payment(chat: Chat, stack: Stack) -> None:
    """A yes is a second signal only after an offer to pay (tests/unit/actions/test_opening_message.py)."""
    reply = chat.text("yes")
    assert "booking reference" not in reply and "type pay" in reply, reply
    assert not (stack.tracker(chat.sender).get("active_loop") or {}).get("name")


def test_a_question_about_a_trips_price_starts_no_payment(chat: Chat) -> None:
    reply = chat.text("how much do I pay for the Victoria Falls trip?")
    assert "booking reference" not in reply and "talk to a person" in reply
