"""Replies in the customer's language, through the real Rasa, action server and sandbox (issue 22).

Every reply is checked against the catalogues (translations/*.yml,
tests/support/catalogue_replies.py): a Shona conversation gets Shona's texts,
whatever a reviewer later makes of their wording. The database shows that the
payment itself is the same in every language.
"""
from __future__ import annotations

from decimal import Decimal
from typing import List

import requests

from tests.e2e.conftest import RASA_API_TOKEN, SANDBOX_OTP, Chat, Stack, booking_state
from tests.support.catalogue_replies import keys_in, languages_of, not_in

T005 = "BK-T005-20260210"  # balance 850.00 USD
SLYKER = "BK-SLYKER-TECH-20251023"  # balance 800.00 USD


def say_all(chat: Chat, message: str) -> List[str]:
    return [reply.get("text") or "" for reply in chat.say(message)]


def assert_in(replies: List[str], language: str) -> None:
    """There was a reply, and every reply is one of ``language``'s texts (an empty answer proves nothing)."""
    assert replies, "no reply"
    assert not not_in(replies, language), not_in(replies, language)


def payment_in(chat: Chat, language: str, messages: List[str]) -> List[str]:
    """Say each message; every reply must be one of ``language``'s texts."""
    heard: List[str] = []
    for message in messages:
        replies = say_all(chat, message)
        assert replies, f"no reply to {message!r}"
        assert_in(replies, language)
        heard.extend(replies)
    return heard


def test_a_whole_payment_written_in_shona_is_answered_in_shona(chat: Chat, stack: Stack) -> None:
    heard = payment_in(chat, "sn", [
        "Mhoroi, ndinoda kubhadhara booking yangu",
        T005,
        "50",
        "ecocash",
        "0772123456",
        "hongu",
        SANDBOX_OTP,
    ])
    said = set().union(*(keys_in(reply, "sn") for reply in heard))
    assert {"utter_ask_payment_confirmed", "utter_otp_sent"} <= said, said
    assert said & {"utter_payment_receipt", "utter_payment_receipt_sandbox"}, said
    assert booking_state(stack.store, T005)["paid"] == Decimal("50.00")


def test_a_whole_payment_written_in_ndebele_is_answered_in_ndebele(chat: Chat, stack: Stack) -> None:
    heard = payment_in(chat, "nd", [
        "Salibonani, ngifuna ukubhadala imali esele ku booking yami",
        SLYKER,
        "30",
        "onemoney",
        "0772123456",
        "yebo",
        SANDBOX_OTP,
    ])
    said = set().union(*(keys_in(reply, "nd") for reply in heard))
    assert {"utter_ask_payment_confirmed", "utter_otp_sent"} <= said, said
    [transaction] = booking_state(stack.store, SLYKER)["transactions"]
    assert (transaction.amount, transaction.customer_channel, transaction.status) == (
        Decimal("30.00"), "onemoney", "success")


def test_switching_to_english_mid_payment_keeps_the_answers(chat: Chat, stack: Stack) -> None:
    payment_in(chat, "sn", ["ndinoda kubhadhara mari yasara", T005, "40"])
    replies = say_all(chat, "English please")
    assert_in(replies, "en")
    assert any("utter_language_chosen" in keys_in(reply, "en") for reply in replies), replies
    # The question asked again, in English; the amount given in Shona is kept.
    assert any("utter_ask_payment_channel" in keys_in(reply, "en") for reply in replies), replies
    heard = payment_in(chat, "en", ["ecocash", "0772123456"])
    summary = heard[-1]
    assert "US$40.00" in summary and "utter_ask_payment_confirmed" in keys_in(summary, "en"), summary
    payment_in(chat, "en", ["yes", SANDBOX_OTP])
    assert booking_state(stack.store, T005)["paid"] == Decimal("40.00")


def test_an_english_sentence_mid_payment_switches_from_the_next_reply(chat: Chat) -> None:
    payment_in(chat, "nd", ["ngifuna ukubhadala imali yami esele", T005, "25"])
    replies = say_all(chat, "I would like to use my OneMoney wallet for this one please")
    assert_in(replies, "en")


def test_ok_a_bare_code_or_a_wallet_name_never_switches_the_language(chat: Chat, stack: Stack) -> None:
    payment_in(chat, "sn", ["ndinoda kubhadhara booking yangu", SLYKER, "20"])
    for neutral in ("ok", "👍", "ecocash"):
        replies = say_all(chat, neutral)
        assert_in(replies, "sn")
    payment_in(chat, "sn", ["0772123456", "hongu", SANDBOX_OTP])
    assert booking_state(stack.store, SLYKER)["paid"] == Decimal("420.00")


def test_a_language_chosen_outright_holds_and_the_menu_offers_the_choice(chat: Chat) -> None:
    replies = say_all(chat, "language")
    assert any("utter_choose_language" in keys_in(reply, "en") for reply in replies), replies
    assert {button["title"] for button in chat.buttons} == {"English", "chiShona", "isiNdebele"}
    replies = say_all(chat, "isiNdebele")
    assert any("utter_language_chosen" in keys_in(reply, "nd") for reply in replies), replies
    assert "nd" in languages_of(say_all(chat, "menu")[0])
    # A short English word is no reason to leave Ndebele.
    assert_in(say_all(chat, "thanks"), "nd")


def test_a_rest_caller_may_pass_the_language_in_metadata(chat: Chat) -> None:
    replies = [reply.get("text") or "" for reply in chat.say("hi", metadata={"language": "sn"})]
    assert_in(replies, "sn")


def test_a_language_survives_a_new_session(chat: Chat, stack: Stack) -> None:
    say_all(chat, "chiShona")
    # What Rasa runs when a customer comes back after the session expired.
    response = requests.post(
        f"{stack.rasa_url}/conversations/{chat.conversation_id}/execute",
        json={"name": "action_session_start"},
        headers={"Authorization": f"Bearer {RASA_API_TOKEN}"}, timeout=30,
    )
    response.raise_for_status()
    events = stack.tracker(chat.sender)["events"]
    assert [event["event"] for event in events].count("session_started") >= 2
    assert stack.tracker(chat.sender)["slots"]["language"] == "sn"
    assert_in(say_all(chat, "menu"), "sn")
